// The shared map: Leaflet with the server's tiles (or none: a plain
// background still shows every feature), the room's features, the popup of
// the open feature, the others' live cursors, and the views the facilitator
// brings everyone to. Sends this page's cursor and viewport as presence.
import * as L from "leaflet";

import { Role, type Feature, type PresenceUpdate, type Viewport } from "@maptable/client";

import type { AppConfig } from "./app_config.js";
import type { AppContext } from "./context.js";
import { el } from "./dom.js";
import { DrawTool } from "./draw.js";
import { FeatureLayers } from "./feature_layers.js";
import { FeaturePopup } from "./feature_popup.js";
import { toLatLng } from "./geometry.js";
import type { MapFilter } from "./legend.js";
import { t } from "./i18n/index.js";
import { badgeDots } from "./voting.js";

const presenceIntervalMs = 100;   // the server coalesces at its tick anyway
// Markers' titles show from street level on; further out they would pile up
// over each other and over the map, and the markers alone read better.
export const labelMinZoom = 13;

export class MapView {
  readonly map: L.Map;
  readonly draw: DrawTool;
  private readonly features: FeatureLayers;
  private readonly cursors = new Map<string, L.Marker>();
  private popup: { view: FeaturePopup; leaflet: L.Popup } | undefined;
  private lastCursorSent = 0;

  constructor(container: HTMLElement, config: AppConfig, private readonly app: AppContext, private readonly filter: MapFilter) {
    const info = app.client.replica.state.info;
    // No fades or zoom animations for those who asked their system for less motion.
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.map = L.map(container, { zoomControl: true, worldCopyJump: true, attributionControl: true, fadeAnimation: !still, zoomAnimation: !still, markerZoomAnimation: !still });
    this.map.attributionControl.setPrefix(false);
    this.map.setView(toLatLng(info.center ?? { lon: 0, lat: 0 }), info.zoom || 2);
    const labels = () => container.classList.toggle("labels-hidden", this.map.getZoom() < labelMinZoom);
    labels();
    this.map.on("zoomend", labels);
    if (config.tileUrl) {
      const tiles = L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19, crossOrigin: false });
      // Unreachable tiles leave the plain background: the map stays usable,
      // and the notice says why it is blank, once per outage (every failing
      // tile of a pan would otherwise announce it again).
      const notice = tileNotice().addTo(this.map);
      tiles.on("tileerror", () => {
        if (container.classList.contains("tiles-failing")) return;
        container.classList.add("tiles-failing");
        notice.show();
      });
      tiles.on("tileload", () => {
        if (!container.classList.contains("tiles-failing")) return;
        container.classList.remove("tiles-failing");
        notice.hide();
      });
      tiles.addTo(this.map);
    } else {
      container.classList.add("no-tiles");
    }
    this.features = new FeatureLayers(this.map, {
      open: (id) => this.openFeature(id),
      moved: (id, lon, lat) => void this.app.run(t("action.moveFeature"), this.app.client.updateFeature(id, {
        geometry: { kind: this.app.client.replica.findFeature(id)?.geometry?.kind, positions: [{ lon, lat }] },
      })),
      dots: (id) => badgeDots(this.app, id),
      shows: (f) => filter.shows(f),
    });
    this.draw = new DrawTool(this.map, app, (id) => this.openFeature(id));

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
    this.features.render(client, (f: Feature) => this.app.isFacilitator() || (!this.app.isObserver() && f.authorId === this.app.myId));
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
    if (sw.lon === ne.lon && sw.lat === ne.lat) this.map.setView(toLatLng(sw), viewport.zoom || this.map.getZoom(), { animate: false });
    else this.map.fitBounds(L.latLngBounds(toLatLng(sw), toLatLng(ne)), { animate: false });
  }

  openFeature(id: string): void {
    const feature = this.app.client.replica.findFeature(id);
    if (!feature) return;
    const view = new FeaturePopup(this.app, id);
    const layer = this.features.layerOf(id);
    const at = layer instanceof L.Marker ? layer.getLatLng() : layer instanceof L.Polyline ? layer.getBounds().getCenter() : toLatLng(feature.geometry!.positions[0]!);
    const leaflet = L.popup({ maxWidth: 320, minWidth: 240, autoPan: true }).setLatLng(at).setContent(view.element);
    this.popup = { view, leaflet };
    leaflet.openOn(this.map);
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
      const label = el("div", { class: "cursor", "data-testid": "cursor", "data-participant": p.participantId },
        el("span", { class: "arrow" }), el("span", { class: "name" }, this.app.nameOf(p.participantId)));
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
