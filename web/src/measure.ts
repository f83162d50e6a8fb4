// Measuring on the map: click points (or add the map's centre, from the
// keyboard) and read the length of the path through them and the area they
// enclose, along the Earth's surface, in the page's language (m or km; m²,
// ha or km²). What is measured stays on this page: nothing goes to the room.
import * as L from "leaflet";

import { el } from "./dom.js";
import { geodesicArea, geodesicLength } from "./geometry.js";
import { language, t } from "./i18n/index.js";

export function formatDistance(metres: number, locale = language()): string {
  if (metres < 1000)
    return new Intl.NumberFormat(locale, {
      style: "unit",
      unit: "meter",
      maximumFractionDigits: metres < 10 ? 1 : 0,
    }).format(metres);
  return new Intl.NumberFormat(locale, {
    style: "unit",
    unit: "kilometer",
    maximumFractionDigits: metres < 10_000 ? 2 : 1,
  }).format(metres / 1000);
}

// Square metres up to a hectare's worth, hectares up to a square kilometre, then km².
export function formatArea(squareMetres: number, locale = language()): string {
  const number = (n: number, digits: number) =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n);
  if (squareMetres < 10_000) return t("measure.squareMetres", { value: number(squareMetres, 0) });
  if (squareMetres < 1_000_000)
    return new Intl.NumberFormat(locale, { style: "unit", unit: "hectare", maximumFractionDigits: 2 }).format(
      squareMetres / 10_000,
    );
  return t("measure.squareKilometres", { value: number(squareMetres / 1_000_000, 2) });
}

export class MeasureTool {
  readonly panel: HTMLElement;
  private points: L.LatLng[] = [];
  private active = false;
  private readonly line = L.polyline([], {
    color: "#c2255c",
    weight: 3,
    dashArray: "6 4",
    interactive: false,
    className: "measure-line",
  });
  private readonly area = L.polygon([], { color: "#c2255c", weight: 0, fillOpacity: 0.12, interactive: false });
  private readonly vertices = L.layerGroup();
  private readonly distance = el("p", { class: "measure-value", "data-testid": "measure-distance" });
  private readonly surface = el("p", { class: "measure-value", "data-testid": "measure-area" });
  private readonly count = el("p", { class: "tool-status", "data-testid": "measure-status" });

  constructor(
    private readonly map: L.Map,
    private readonly canMeasure: () => boolean, // false while a drawing tool takes the clicks
  ) {
    const button = (key: "measure.addCentre" | "measure.undo" | "measure.clear", testid: string, act: () => void) =>
      el("button", { type: "button", "data-testid": testid, onclick: act }, t(key));
    this.panel = el(
      "div",
      { class: "map-tool-panel measure", "data-testid": "measure-panel" },
      el("p", { class: "hint" }, t("measure.hint")),
      // One live region for the figures, so each new point is read out once.
      el(
        "div",
        { class: "measure-results", role: "status", "aria-live": "polite" },
        this.distance,
        this.surface,
        this.count,
      ),
      el(
        "div",
        { class: "row wrap" },
        button("measure.addCentre", "measure-add-centre", () => this.add(this.map.getCenter())),
        button("measure.undo", "measure-undo", () => this.undo()),
        button("measure.clear", "measure-clear", () => this.clear()),
      ),
    );
    map.on("click", (e: L.LeafletMouseEvent) => {
      if (this.active && this.canMeasure()) this.add(e.latlng);
    });
    this.update();
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.area.addTo(this.map);
    this.line.addTo(this.map);
    this.vertices.addTo(this.map);
    this.map.getContainer().classList.add("measuring");
    // A double-click ends nothing here; it would only zoom under the points.
    this.map.doubleClickZoom.disable();
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.clear();
    this.area.remove();
    this.line.remove();
    this.vertices.remove();
    this.map.getContainer().classList.remove("measuring");
    this.map.doubleClickZoom.enable();
  }

  private add(at: L.LatLng): void {
    // A double-click clicks twice on the same spot.
    const last = this.points[this.points.length - 1];
    if (last && last.equals(at)) return;
    this.points.push(at);
    L.circleMarker(at, {
      radius: 4,
      weight: 2,
      color: "#c2255c",
      fillColor: "#fff",
      fillOpacity: 1,
      interactive: false,
    }).addTo(this.vertices);
    this.update();
  }

  private undo(): void {
    this.points.pop();
    const layers = this.vertices.getLayers();
    if (layers.length) this.vertices.removeLayer(layers[layers.length - 1]!);
    this.update();
  }

  private clear(): void {
    this.points = [];
    this.vertices.clearLayers();
    this.update();
  }

  private update(): void {
    this.line.setLatLngs(this.points);
    this.area.setLatLngs(this.points.length >= 3 ? this.points : []);
    const metres = geodesicLength(this.points);
    this.distance.textContent = t("measure.distance", { value: formatDistance(metres) });
    this.distance.dataset.metres = String(Math.round(metres * 100) / 100);
    const squareMetres = geodesicArea(this.points);
    this.surface.textContent =
      this.points.length >= 3 ? t("measure.area", { value: formatArea(squareMetres) }) : t("measure.noArea");
    this.surface.dataset.squareMetres = String(Math.round(squareMetres));
    this.count.textContent = t("measure.points", { count: this.points.length });
  }
}
