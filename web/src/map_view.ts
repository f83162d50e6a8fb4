// The shared map: Leaflet with the room's base map (or none: a plain
// background still shows every feature), the room's features (markers and
// notes in clusters where they crowd), the popup of the open feature, the
// others' live cursors, the views the facilitator brings everyone to, and
// the tools to find, measure and mark. Sends this page's cursor and
// viewport as presence.
import * as L from "leaflet";

import { Role, type Feature, type PresenceUpdate, type Viewport } from "@maptable/client";

import type { AppConfig } from "./app_config.js";
import { BaseMap, maxZoom } from "./base_map.js";
import { clusterGroup } from "./cluster_layer.js";
import type { AppContext } from "./context.js";
import { el } from "./dom.js";
import { DrawTool } from "./draw.js";
import { FeatureLayers } from "./feature_layers.js";
import { FeaturePopup } from "./feature_popup.js";
import { toLatLng } from "./geometry.js";
import type { MapFilter } from "./legend.js";
import { MapTools } from "./map_tools.js";
import { newMap } from "./motion.js";
import { t } from "./i18n/index.js";
import { badgeDots } from "./voting.js";

const presenceIntervalMs = 100; // the server coalesces at its tick anyway
// Markers' titles show from street level on; further out they would pile up
// over each other and over the map, and the markers alone read better.
export const labelMinZoom = 13;

// How large notes are at a zoom level: their size at zoom 14 (a
// neighbourhood, where rooms usually open), smaller further out so they
// leave the map readable, larger close in; never so small the text blurs.
export function noteScale(zoom: number): number {
  return Math.min(1.4, Math.max(0.85, 2 ** ((zoom - 14) / 3)));
}

export class MapView {
  readonly map: L.Map;
  readonly draw: DrawTool;
  private readonly features: FeatureLayers;
  private readonly clusters: L.MarkerClusterGroup;
  private readonly baseMap: BaseMap;
  private readonly tools: MapTools;
  private readonly cursors = new Map<string, L.Marker>();
  private popup: { view: FeaturePopup; leaflet: L.Popup } | undefined;
  private lastCursorSent = 0;

  constructor(
    container: HTMLElement,
    config: AppConfig,
    private readonly app: AppContext,
    private readonly filter: MapFilter,
  ) {
    const info = app.client.replica.state.info;
    this.map = newMap(container, {
      zoomControl: true,
      worldCopyJump: true,
      attributionControl: true,
      maxZoom,
    });
    this.map.attributionControl.setPrefix(false);
    this.map.setView(toLatLng(info.center ?? { lon: 0, lat: 0 }), info.zoom || 2);
    const zoomed = () => {
      const zoom = this.map.getZoom();
      container.classList.toggle("labels-hidden", zoom < labelMinZoom);
      container.style.setProperty("--note-scale", noteScale(zoom).toFixed(3));
      // Far out a note shows its title only.
      container.dataset.noteSize = zoom < labelMinZoom ? "small" : "full";
    };
    zoomed();
    this.map.on("zoomend", zoomed);
    this.baseMap = new BaseMap(this.map, container, config, app);
    this.baseMap.render();
    this.clusters = clusterGroup();
    this.clusters.addTo(this.map);
    this.features = new FeatureLayers(this.map, this.clusters, {
      open: (id) => this.openFeature(id),
      moved: (id, lon, lat) =>
        void this.app.run(
          t("action.moveFeature"),
          this.app.client.updateFeature(id, {
            geometry: { kind: this.app.client.replica.findFeature(id)?.geometry?.kind, positions: [{ lon, lat }] },
          }),
        ),
      dots: (id) => badgeDots(this.app, id),
      shows: (f) => filter.shows(f),
    });
    this.draw = new DrawTool(this.map, app, (id) => this.openFeature(id));
    this.tools = new MapTools({
      map: this.map,
      app,
      filter,
      showFeature: (id) => this.showFeature(id),
      openFeature: (id) => this.openFeature(id),
      drawing: () => this.draw.current !== "select",
    });

    this.map.on("mousemove", (e: L.LeafletMouseEvent) => {
      const now = performance.now();
      if (now - this.lastCursorSent < presenceIntervalMs) return;
      this.lastCursorSent = now;
      const at = e.latlng.wrap();
      app.client.moveCursor(at.lng, at.lat);
    });
    this.map.on("moveend", () => {
      app.client.changeViewport(this.viewport());
      // Where this map is, for whoever checks what a follower ended on.
      const centre = this.map.getCenter();
      container.dataset.center = `${centre.lat.toFixed(5)},${centre.lng.toFixed(5)}`;
      container.dataset.zoom = String(this.map.getZoom());
    });
    this.map.on("popupclose", (e: L.PopupEvent) => {
      if (this.popup && e.popup === this.popup.leaflet) this.popup = undefined;
    });
    // The map's box changes when a phone's bottom sheet opens or closes.
    new ResizeObserver(() => this.map.invalidateSize({ pan: false })).observe(container);
    app.client.onPresence((update) => this.showPresence(update));
    app.client.on("participantLeft", (id) => this.removeCursor(id));
    app.client.onViewRequest((viewport) => this.goTo(viewport));
  }

  render(): void {
    const client = this.app.client;
    this.baseMap.render();
    this.features.render(
      client,
      (f: Feature) => this.app.isFacilitator() || (!this.app.isObserver() && f.authorId === this.app.myId),
    );
    if (this.popup) {
      // A feature the legend just hid takes its popup with it.
      const open = client.replica.findFeature(this.popup.view.featureId);
      if (!open || !this.filter.shows(open)) this.map.closePopup(this.popup.leaflet);
      else this.popup.view.refresh();
    }
    if (client.replica.state.settings.hideCursors && !this.app.isFacilitator())
      for (const [id, marker] of this.cursors) {
        if (!this.isFacilitator(id)) {
          marker.remove();
          this.cursors.delete(id);
        }
      }
    this.tools.render();
  }

  // The view of this page, as the protocol's viewport.
  viewport(): Viewport {
    const b = this.map.getBounds();
    return {
      southWest: { lon: b.getWest(), lat: b.getSouth() },
      northEast: { lon: b.getEast(), lat: b.getNorth() },
      zoom: this.map.getZoom(),
    } as Viewport;
  }

  // Without animation: Leaflet ignores a new view asked for while a zoom
  // animation runs, so a leader's second move within its quarter second
  // would leave followers on the first.
  goTo(viewport: Viewport): void {
    const sw = viewport.southWest;
    const ne = viewport.northEast;
    if (!sw || !ne) return;
    if (sw.lon === ne.lon && sw.lat === ne.lat)
      this.map.setView(toLatLng(sw), viewport.zoom || this.map.getZoom(), { animate: false });
    else this.map.fitBounds(L.latLngBounds(toLatLng(sw), toLatLng(ne)), { animate: false });
  }

  openFeature(id: string): void {
    const feature = this.app.client.replica.findFeature(id);
    if (!feature) return;
    const view = new FeaturePopup(this.app, id);
    const layer = this.features.layerOf(id);
    const at =
      layer instanceof L.Marker
        ? layer.getLatLng()
        : layer instanceof L.Polyline
          ? layer.getBounds().getCenter()
          : toLatLng(feature.geometry!.positions[0]!);
    const size = this.map.getSize();
    const width = Math.min(320, size.x - 60);
    const leaflet = L.popup({
      maxWidth: width,
      minWidth: Math.min(240, width),
      autoPan: true,
      ...this.popupPadding(width),
    })
      .setLatLng(at)
      .setContent(view.element);
    this.popup = { view, leaflet };
    leaflet.openOn(this.map);
  }

  // Brings a feature into view (out of its cluster, if it is in one) and
  // opens it: what a search result does.
  showFeature(id: string): void {
    const layer = this.features.layerOf(id);
    if (!layer) return this.openFeature(id);
    if (layer instanceof L.Marker && this.clusters.hasLayer(layer)) {
      // Out of its cluster first (zooming in as far as that takes), then open.
      this.clusters.zoomToShowLayer(layer, () => this.openFeature(id));
      return;
    }
    if (layer instanceof L.Polyline)
      this.map.fitBounds(layer.getBounds(), { animate: false, maxZoom: 17, padding: [40, 40] });
    this.openFeature(id);
  }

  // The popup is panned clear of the map's corner controls (zoom and the
  // tools with an open panel top left, the base map top right, the notice
  // and attribution below), so no control ever covers it: beside the tools
  // where the map is wide enough for both, else below them.
  private popupPadding(width: number): { autoPanPaddingTopLeft: L.Point; autoPanPaddingBottomRight: L.Point } {
    const map = this.map.getContainer().getBoundingClientRect();
    const reach = (selector: string) => {
      let x = 0;
      let y = 0;
      for (const control of this.map.getContainer().querySelectorAll<HTMLElement>(`${selector} .leaflet-control`)) {
        const box = control.getBoundingClientRect();
        if (box.height === 0) continue;
        x = Math.max(x, selector.includes("left") ? box.right - map.left : map.right - box.left);
        y = Math.max(y, selector.includes("top") ? box.bottom - map.top : map.bottom - box.top);
      }
      return { x, y };
    };
    const topLeft = reach(".leaflet-top.leaflet-left");
    const topRight = reach(".leaflet-top.leaflet-right");
    const bottom = Math.max(reach(".leaflet-bottom.leaflet-left").y, reach(".leaflet-bottom.leaflet-right").y);
    const beside = map.width - topLeft.x - 20 >= width + 20;
    const top = Math.min(map.height / 2, (beside ? topRight.y : Math.max(topLeft.y, topRight.y)) + 10);
    return {
      autoPanPaddingTopLeft: L.point(beside ? topLeft.x + 10 : 10, top),
      autoPanPaddingBottomRight: L.point(10, Math.min(map.height / 4, bottom + 10)),
    };
  }

  private isFacilitator(participantId: string): boolean {
    return this.app.client.online.some((p) => p.id === participantId && p.role === Role.FACILITATOR);
  }

  private showPresence(update: PresenceUpdate): void {
    for (const p of update.presence) {
      if (p.participantId === this.app.myId || !p.cursor) continue;
      const at = toLatLng(p.cursor);
      const existing = this.cursors.get(p.participantId);
      if (existing) {
        existing.setLatLng(at);
        continue;
      }
      const label = el(
        "div",
        { class: "cursor", "data-testid": "cursor", "data-participant": p.participantId },
        el("span", { class: "arrow" }),
        el("span", { class: "name" }, this.app.nameOf(p.participantId)),
      );
      const marker = L.marker(at, {
        icon: L.divIcon({ className: "cursor-icon", html: label, iconSize: [0, 0] }),
        interactive: false,
        keyboard: false,
        zIndexOffset: 1000,
      }).addTo(this.map);
      this.cursors.set(p.participantId, marker);
    }
  }

  private removeCursor(participantId: string): void {
    this.cursors.get(participantId)?.remove();
    this.cursors.delete(participantId);
  }
}
