// Drawing on the map: a marker or a note with one click; a line or an area
// by clicking its points, ended with a double-click or "Finish" (Escape or
// "Cancel" drops it). The shape is sent as AddFeature with the toolbar's
// colour and category; the server may refuse it (map locked, observer...),
// which the page shows as a notice.
import * as L from "leaflet";

import { FeatureKind, randomId } from "@maptable/client";

import type { AppContext } from "./context.js";
import { byId } from "./dom.js";
import { toLonLat } from "./geometry.js";

export type Tool = "select" | "point" | "line" | "area" | "note";

const kinds: Record<Exclude<Tool, "select">, FeatureKind> = {
  point: FeatureKind.POINT,
  line: FeatureKind.LINE,
  area: FeatureKind.AREA,
  note: FeatureKind.NOTE,
};

const defaultTitles: Record<Exclude<Tool, "select">, string> = {
  point: "Marker",
  line: "Line",
  area: "Area",
  note: "Note",
};

export class DrawTool {
  private tool: Tool = "select";
  private points: L.LatLng[] = [];
  private readonly sketch = L.polyline([], { color: "#495057", weight: 2, dashArray: "4 4", interactive: false });

  constructor(
    private readonly map: L.Map,
    private readonly app: AppContext,
    private readonly onAdded: (featureId: string) => void,
  ) {
    this.sketch.addTo(map);
    map.on("click", (e: L.LeafletMouseEvent) => this.click(e.latlng));
    map.on("dblclick", (e: L.LeafletMouseEvent) => {
      if (this.tool === "line" || this.tool === "area") {
        L.DomEvent.stop(e);
        void this.finish();
      }
    });
    for (const button of document.querySelectorAll<HTMLButtonElement>(".toolbar [data-tool]"))
      button.addEventListener("click", () => this.choose(button.dataset.tool as Tool));
    byId("finish-drawing").addEventListener("click", () => void this.finish());
    byId("cancel-drawing").addEventListener("click", () => this.choose("select"));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.choose("select");
    });
  }

  get current(): Tool {
    return this.tool;
  }

  choose(tool: Tool): void {
    this.tool = tool;
    this.points = [];
    this.sketch.setLatLngs([]);
    for (const button of document.querySelectorAll<HTMLButtonElement>(".toolbar [data-tool]"))
      button.classList.toggle("active", button.dataset.tool === tool);
    const multi = tool === "line" || tool === "area";
    byId("finish-drawing").hidden = !multi;
    byId("cancel-drawing").hidden = tool === "select";
    this.map.getContainer().classList.toggle("drawing", tool !== "select");
    if (multi) this.map.doubleClickZoom.disable();
    else this.map.doubleClickZoom.enable();
  }

  private click(at: L.LatLng): void {
    if (this.tool === "select") return;
    if (this.tool === "point" || this.tool === "note") {
      const tool = this.tool;
      this.choose("select");
      void this.add(tool, [at]);
      return;
    }
    // A double-click also clicks twice: the second lands on the same spot.
    const last = this.points[this.points.length - 1];
    if (last && last.equals(at)) return;
    this.points.push(at);
    this.sketch.setLatLngs(this.tool === "area" && this.points.length > 2 ? [...this.points, this.points[0]!] : this.points);
  }

  private async finish(): Promise<void> {
    const tool = this.tool;
    if (tool !== "line" && tool !== "area") return;
    const needed = tool === "line" ? 2 : 3;
    if (this.points.length < needed) return;
    const points = this.points;
    this.choose("select");
    await this.add(tool, points);
  }

  private async add(tool: Exclude<Tool, "select">, points: L.LatLng[]): Promise<void> {
    const id = "f-" + randomId(6);
    const title = (byId<HTMLInputElement>("draw-title").value.trim() || defaultTitles[tool]).slice(0, 200);
    const result = await this.app.run(`Adding the ${defaultTitles[tool].toLowerCase()} '${title}'`,
      this.app.client.addFeature({
        id,
        title,
        colour: byId<HTMLInputElement>("draw-colour").value,
        category: byId<HTMLInputElement>("draw-category").value.trim(),
        geometry: { kind: kinds[tool], positions: points.map(toLonLat) },
      }),
    );
    if (result.ok) this.onAdded(id);
  }
}
