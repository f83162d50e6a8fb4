// The map's background: the tile source the room's base map names
// (RoomInfo.base_map, chosen by the facilitator and kept as a room event, so
// every map in the room follows it; "" or an id this server does not have
// means the server's default), or none: a plain background that still shows
// every feature. A facilitator picks it in the map's corner; everyone else
// reads there which one is on. When a source's tiles fail, a notice says the
// background is unavailable and the work safe, once per outage of the
// source shown; a switch to another source starts afresh.
import * as L from "leaflet";

import { defaultTileSource, type AppConfig, type TileSource } from "./app_config.js";
import "./base_map.css";
import type { AppContext } from "./context.js";
import { el } from "./dom.js";
import { t } from "./i18n/index.js";

export const maxZoom = 19; // the deepest most tile servers serve

export class BaseMap {
  private tiles: L.TileLayer | undefined;
  private shown: TileSource | undefined;
  private readonly notice = tileNotice();
  private readonly picker: HTMLSelectElement | undefined;
  private readonly reading = el("span", { class: "base-map-name", "data-testid": "base-map-name" });

  constructor(
    private readonly map: L.Map,
    private readonly container: HTMLElement,
    private readonly config: AppConfig,
    private readonly app: AppContext,
  ) {
    this.notice.addTo(map);
    if (config.tileSources.length < 2) return; // nothing to choose between
    const box = el("div", { class: "base-map-control leaflet-bar", "data-testid": "base-map-control" });
    if (app.isFacilitator()) {
      const picker = el(
        "select",
        { id: "base-map-picker", "data-testid": "base-map-picker" },
        ...config.tileSources.map((s) => el("option", { value: s.id }, labelOf(s))),
      );
      picker.addEventListener("change", () => void this.choose(picker.value));
      box.append(el("label", { for: "base-map-picker" }, t("basemap.label")), picker);
      this.picker = picker;
    } else {
      box.append(this.reading);
    }
    const control = new L.Control({ position: "topright" });
    control.onAdd = () => {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
  }

  // The source the room's base map names now.
  current(): TileSource {
    const wanted = this.app.client.replica.state.info.baseMap || defaultTileSource;
    const sources = this.config.tileSources;
    return sources.find((s) => s.id === wanted) ?? sources.find((s) => s.id === defaultTileSource) ?? sources[0]!;
  }

  render(): void {
    const source = this.current();
    if (source !== this.shown) this.show(source);
    if (this.picker && document.activeElement !== this.picker) this.picker.value = source.id;
    const text = t("basemap.showing", { name: labelOf(source) });
    if (this.reading.textContent !== text) this.reading.textContent = text;
  }

  private async choose(id: string): Promise<void> {
    const result = await this.app.run(
      t("basemap.change"),
      this.app.client.updateRoomInfo({ baseMap: id === defaultTileSource ? "" : id }),
    );
    // Refused: the picker shows again what the room has.
    if (!result.ok && this.picker) this.picker.value = this.current().id;
  }

  private show(source: TileSource): void {
    this.tiles?.remove();
    this.tiles = undefined;
    this.shown = source;
    const container = this.container;
    container.dataset.baseMap = source.id;
    container.classList.remove("tiles-failing");
    this.notice.hide();
    container.classList.toggle("no-tiles", !source.url);
    if (!source.url) return;
    const tiles = L.tileLayer(source.url, { attribution: source.attribution, maxZoom, crossOrigin: false });
    // Unreachable tiles leave the plain background: the map stays usable,
    // and the notice says why it is blank, once per outage (every failing
    // tile of a pan would otherwise announce it again).
    tiles.on("tileerror", () => {
      if (tiles !== this.tiles || container.classList.contains("tiles-failing")) return;
      container.classList.add("tiles-failing");
      this.notice.show();
    });
    tiles.on("tileload", () => {
      if (tiles !== this.tiles || !container.classList.contains("tiles-failing")) return;
      container.classList.remove("tiles-failing");
      this.notice.hide();
    });
    this.tiles = tiles;
    tiles.addTo(this.map);
  }
}

function labelOf(source: TileSource): string {
  if (source.id !== defaultTileSource) return source.label;
  return source.url ? t("basemap.default") : t("basemap.plain");
}

// The notice of a tile outage, a control in the map's bottom-left corner
// (where no other control sits). Its live region is there from the start and
// only its text changes, since a region that appears together with its text
// is not announced by every screen reader. It takes no pointer events, so it
// never stands between a hand and a control or a feature under it.
function tileNotice(): L.Control & { show(): void; hide(): void } {
  const node = el("div", { class: "tile-notice", "data-testid": "tile-notice", role: "status", "aria-live": "polite" });
  const control = new L.Control({ position: "bottomleft" }) as L.Control & { show(): void; hide(): void };
  control.onAdd = () => node;
  control.show = () => {
    node.textContent = t("map.tilesUnavailable");
    node.dataset.state = "shown";
  };
  control.hide = () => {
    node.textContent = "";
    node.dataset.state = "hidden";
  };
  control.hide();
  return control;
}
