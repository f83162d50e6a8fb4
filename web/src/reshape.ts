// Reshaping a line or an area (its author, or a facilitator): its points
// become handles (leaflet-geoman's vertex editing) on a copy of the shape
// over the map; drag a point to move it, drag the small mid-point between
// two to add one, right-click a point to remove it. "Save shape" sends the
// new points as one UpdateFeature (so it can be undone like any edit);
// "Cancel" or Escape leaves the feature as it was. Without a pointer the bar
// offers the same from the keyboard: choose a point, then move it to the
// map's centre (pan with the arrow keys; the ring shows the centre), add one
// after it there, or remove it.
import * as L from "leaflet";
import "@geoman-io/leaflet-geoman-free";
import "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css";

import { FeatureKind } from "@maptable/client";

import type { AppContext } from "./context.js";
import { byId, el, replaceChildren } from "./dom.js";
import { toLatLng, toLonLat } from "./geometry.js";
import { t } from "./i18n/index.js";
import { notify } from "./status.js";

export class Reshaper {
  private readonly bar = byId("reshape-bar");
  private readonly points = el("select", { "data-testid": "reshape-point", "aria-label": t("reshape.point") });
  private shape: L.Polyline | L.Polygon | undefined;
  private featureId = "";
  private kind = FeatureKind.LINE;

  constructor(
    private readonly app: AppContext,
    private readonly map: L.Map,
  ) {
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.featureId) this.stop();
    });
  }

  get active(): boolean {
    return this.featureId !== "";
  }

  start(featureId: string): void {
    const feature = this.app.client.replica.findFeature(featureId);
    const kind = feature?.geometry?.kind;
    if (!feature || (kind !== FeatureKind.LINE && kind !== FeatureKind.AREA)) return;
    this.stop();
    this.featureId = featureId;
    this.kind = kind;
    this.map.closePopup();
    const positions = (feature.geometry?.positions ?? []).map(toLatLng);
    const options = { color: "#1864ab", weight: 4, dashArray: "2 6", pmIgnore: false };
    const shape = (kind === FeatureKind.AREA ? L.polygon(positions, options) : L.polyline(positions, options)).addTo(
      this.map,
    );
    this.shape = shape;
    shape.pm.enable({ allowSelfIntersection: true, removeLayerBelowMinVertexCount: false, snappable: false });
    shape.on("pm:edit pm:vertexadded pm:vertexremoved", () => this.listPoints());
    this.labelHandles();
    this.map.getContainer().classList.add("reshaping");
    this.hideLive(true);
    const button = (id: string, label: string, onclick: () => void, extra: Record<string, string> = {}) =>
      el("button", { type: "button", "data-testid": id, onclick, ...extra }, label);
    replaceChildren(
      this.bar,
      el("strong", {}, t("reshape.title", { title: feature.title })),
      " ",
      el("span", { class: "reshape-hint" }, t("reshape.hint")),
      el(
        "div",
        { class: "row wrap" },
        el("label", {}, `${t("reshape.point")} `, this.points),
        button("reshape-move", t("reshape.move"), () => this.moveChosen()),
        button("reshape-insert", t("reshape.insert"), () => this.insertAfterChosen()),
        button("reshape-remove", t("reshape.remove"), () => this.removeChosen()),
        button("reshape-save", t("reshape.save"), () => void this.save(), { class: "active" }),
        button("reshape-cancel", t("reshape.cancel"), () => this.stop()),
      ),
    );
    this.bar.hidden = false;
    this.listPoints();
    notify(t("reshape.started", { title: feature.title }));
  }

  stop(): void {
    if (!this.featureId) return;
    this.shape?.pm.disable();
    this.shape?.remove();
    this.shape = undefined;
    this.hideLive(false);
    this.featureId = "";
    this.bar.hidden = true;
    replaceChildren(this.bar);
    this.map.getContainer().classList.remove("reshaping");
  }

  // The live feature fades while its copy is edited, so there is one shape to look at.
  private hideLive(hidden: boolean): void {
    for (const node of this.map
      .getContainer()
      .querySelectorAll(`[data-testid="feature"][data-feature-id="${CSS.escape(this.featureId)}"]`))
      node.classList.toggle("being-reshaped", hidden);
  }

  private latLngs(): L.LatLng[] {
    if (!this.shape) return [];
    const all = this.shape.getLatLngs();
    return this.kind === FeatureKind.AREA ? ((all as L.LatLng[][])[0] ?? []) : (all as L.LatLng[]);
  }

  private setLatLngs(points: L.LatLng[]): void {
    if (!this.shape) return;
    // Geoman keeps its handles for the old points: re-enabled, it makes them anew.
    this.shape.pm.disable();
    this.shape.setLatLngs(this.kind === FeatureKind.AREA ? [points] : points);
    this.shape.pm.enable({ allowSelfIntersection: true, removeLayerBelowMinVertexCount: false, snappable: false });
    this.listPoints();
  }

  // Geoman's handles are Leaflet markers (buttons for a screen reader): each gets a name.
  private labelHandles(): void {
    for (const handle of this.map.getContainer().querySelectorAll<HTMLElement>(".marker-icon"))
      handle.setAttribute(
        "aria-label",
        t(handle.classList.contains("marker-icon-middle") ? "reshape.middleHandle" : "reshape.handle"),
      );
  }

  private listPoints(): void {
    this.labelHandles();
    const chosen = this.points.selectedIndex;
    const points = this.latLngs();
    replaceChildren(
      this.points,
      ...points.map((p, i) =>
        el("option", { value: i }, t("reshape.pointN", { n: i + 1, at: `${p.lat.toFixed(5)}, ${p.lng.toFixed(5)}` })),
      ),
    );
    this.points.selectedIndex = Math.min(Math.max(chosen, 0), points.length - 1);
  }

  private moveChosen(): void {
    const points = this.latLngs().slice();
    points[this.points.selectedIndex] = this.map.getCenter();
    this.setLatLngs(points);
  }

  private insertAfterChosen(): void {
    const points = this.latLngs().slice();
    const at = this.points.selectedIndex + 1;
    points.splice(at, 0, this.map.getCenter());
    this.setLatLngs(points);
    this.points.selectedIndex = at;
  }

  private removeChosen(): void {
    const points = this.latLngs().slice();
    if (points.length <= (this.kind === FeatureKind.AREA ? 3 : 2)) {
      notify(t("reshape.tooFew"), "error");
      return;
    }
    points.splice(this.points.selectedIndex, 1);
    this.setLatLngs(points);
  }

  private async save(): Promise<void> {
    const id = this.featureId;
    const feature = this.app.client.replica.findFeature(id);
    const positions = this.latLngs().map((p) => toLonLat(p.wrap()));
    this.stop();
    if (!feature) return;
    await this.app.run(
      t("action.reshape", { title: feature.title }),
      this.app.client.updateFeature(id, { geometry: { kind: this.kind, positions } }),
    );
  }
}
