// Drawing on the map: a marker or a note with one click; a line or an area
// by clicking its points, ended with a double-click or "Finish" (Escape or
// "Cancel" drops it). Without a pointer the same works from the keyboard:
// "Add at map centre" (pan with the arrow keys first) or typed coordinates
// place a marker or a note, or add the next point of a line or an area.
// The shape is sent as AddFeature with the toolbar's colour and category;
// the server may refuse it (map locked, observer...), which the page shows
// as a notice. The title and the category are cleared once used, so the
// next feature does not inherit them.
import * as L from "leaflet";

import { FeatureKind, randomId } from "@maptable/client";

import type { AppContext } from "./context.js";
import { byId } from "./dom.js";
import { toLonLat } from "./geometry.js";
import { t, type MessageKey } from "./i18n/index.js";
import { notify } from "./status.js";

export type Tool = "select" | "point" | "line" | "area" | "note";
type ShapeTool = Exclude<Tool, "select">;

const kinds: Record<ShapeTool, FeatureKind> = {
  point: FeatureKind.POINT,
  line: FeatureKind.LINE,
  area: FeatureKind.AREA,
  note: FeatureKind.NOTE,
};

const adding: Record<ShapeTool, MessageKey> = {
  point: "action.addPoint",
  line: "action.addLine",
  area: "action.addArea",
  note: "action.addNote",
};

// "-33.92, 18.42" or "-33.92 18.42" -> a position; undefined when not that.
export function parseLatLon(text: string): L.LatLng | undefined {
  // With a semicolon between them, commas are decimal commas ("-33,92; 18,42").
  const normal = text.includes(";") ? text.replace(/,/g, ".") : text;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(normal);
  if (!match) return undefined;
  const lat = Number(match[1]);
  const lon = Number(match[2]);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return L.latLng(lat, lon);
}

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
    byId("draw-at-centre").addEventListener("click", () => this.click(this.map.getCenter()));
    byId("coords-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = byId<HTMLInputElement>("draw-coords");
      const at = parseLatLon(input.value);
      if (!at) {
        notify(t("tool.badCoordinates"), "error");
        input.focus();
        return;
      }
      input.value = "";
      this.click(at);
    });
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
    for (const button of document.querySelectorAll<HTMLButtonElement>(".toolbar [data-tool]")) {
      button.classList.toggle("active", button.dataset.tool === tool);
      button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
    }
    const multi = tool === "line" || tool === "area";
    byId("finish-drawing").hidden = !multi;
    byId("cancel-drawing").hidden = tool === "select";
    byId("keyboard-draw").hidden = tool === "select";
    byId("draw-status").textContent = tool === "select" ? "" : t("tool.chosen", { tool: t(`tool.${tool}`) });
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
    this.sketch.setLatLngs(
      this.tool === "area" && this.points.length > 2 ? [...this.points, this.points[0]!] : this.points,
    );
    byId("draw-status").textContent = t("tool.points", { count: this.points.length });
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

  private async add(tool: ShapeTool, points: L.LatLng[]): Promise<void> {
    const id = "f-" + randomId(6);
    const titleInput = byId<HTMLInputElement>("draw-title");
    const title = (titleInput.value.trim() || t(`kind.${tool}`)).slice(0, 200);
    const categoryInput = byId<HTMLInputElement>("draw-category");
    const category = categoryInput.value.trim();
    // The fields are for this feature: the next one starts from empty fields.
    titleInput.value = "";
    categoryInput.value = "";
    const result = await this.app.run(
      t(adding[tool], { title }),
      this.app.client.addFeature({
        id,
        title,
        colour: byId<HTMLInputElement>("draw-colour").value,
        category,
        geometry: { kind: kinds[tool], positions: points.map(toLonLat) },
      }),
    );
    if (result.ok) this.onAdded(id);
  }
}
