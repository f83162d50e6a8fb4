// The app's part for reference layers: drawn under the room's own features, the import dialog, copy into features.
// Mounted once per joined room by main.ts; render() runs after every change
// of the replica (batched per animation frame).
//
// A reference layer is a city's own data (GeoJSON, KML, GPX, CSV) that the
// server imported into the room's log (docs/REFERENCE-LAYERS.md). Here it is
// drawn in a map pane below the room's own features, in the layer's colour,
// read-only; a click opens its attributes. Facilitators and participants
// import files (POST /v1/rooms/{room}/layers with the join token);
// facilitators rename, recolour, remove and copy features into the room's
// own editable ones. Hiding a layer is this page's choice only.
import * as L from "leaflet";

import { FeatureKind, randomId, type LayerFeature, type ReferenceLayer } from "@maptable/client";

import type { AppContext } from "./context.js";
import { el, replaceChildren } from "./dom.js";
import { safeColour, toLatLng } from "./geometry.js";
import { t, type MessageKey } from "./i18n/index.js";
import { ReferenceLegend, referenceDefaultColour } from "./legend.js";
import type { MapView } from "./map_view.js";
import { notify } from "./status.js";
import "./reference_layers.css";

export interface RoomPart {
  render(): void;
}

// Leaflet names the pane's element .leaflet-referenceLayers-pane; its
// z-index (reference_layers.css) puts it above the tiles and below the
// overlay pane, where the room's own lines and areas are drawn.
const paneName = "referenceLayers";

// The parser's error codes the app has words for (server/import/import_error.hpp).
const importCodes = new Set([
  "empty",
  "too_large",
  "unknown_format",
  "malformed",
  "unsupported",
  "invalid_geometry",
  "invalid_coordinate",
  "invalid_text",
  "too_many_features",
  "too_many_vertices",
  "too_much_text",
  "no_features",
  "no_coordinate_columns",
]);

// The format a file's name says, for the dialog's choice ("" = let the server find it).
export function formatOfFileName(name: string): string {
  const extension = name.toLowerCase().split(".").pop() ?? "";
  if (extension === "geojson" || extension === "json") return "geojson";
  if (extension === "kml" || extension === "gpx" || extension === "csv") return extension;
  return "";
}

// The words for a refused upload, in the page's language: what the code
// means, then the server's own detail (which names the line or feature).
export function importFailureText(status: number, body: unknown): string {
  const reply = (typeof body === "object" && body !== null ? body : {}) as { error?: unknown; code?: unknown };
  const code = typeof reply.code === "string" ? reply.code : "";
  let key: MessageKey;
  if (importCodes.has(code)) key = `refLayers.error.${code}` as MessageKey;
  else if (status === 401 || status === 403) key = "refLayers.error.forbidden";
  else if (status === 409) key = "refLayers.error.conflict";
  else if (status === 503) key = "refLayers.error.busy";
  else if (status === 413) key = "refLayers.error.too_large";
  else if (status === 415) key = "refLayers.error.unknown_format";
  else if (status === 0) key = "refLayers.error.network";
  else key = "refLayers.error.other";
  const reason = t(key);
  const detail = typeof reply.error === "string" ? reply.error : "";
  return detail
    ? `${t("refLayers.failed", { reason })} ${t("refLayers.serverSaid", { detail })}`
    : t("refLayers.failed", { reason });
}

interface Drawn {
  key: string; // colour and features: redrawn when it changes
  group: L.FeatureGroup;
}

class ReferenceLayersPart implements RoomPart {
  private readonly drawn = new Map<string, Drawn>();
  private readonly hidden = new Set<string>();
  private readonly legend: ReferenceLegend;
  private readonly dialog: ImportDialog;
  private fitWhenDrawn = ""; // the layer this page imported: brought into view once it arrives

  constructor(
    private readonly app: AppContext,
    private readonly map: MapView,
    private readonly schedule: () => void,
  ) {
    map.map.createPane(paneName);
    this.dialog = new ImportDialog(app, (id) => {
      this.fitWhenDrawn = id;
      this.schedule();
    });
    const panel = el("section", { class: "reference-legend", "data-testid": "reference-legend" });
    document.getElementById("tab-layers")?.append(panel);
    this.legend = new ReferenceLegend(panel, {
      shown: (id) => !this.hidden.has(id),
      show: (id, shown) => {
        if (shown) this.hidden.delete(id);
        else this.hidden.add(id);
        this.schedule();
      },
      canImport: () => !app.isObserver(),
      canEdit: () => app.isFacilitator(),
      openImport: (opener) => this.dialog.open(opener),
      rename: (id, name) =>
        void app.run(
          t("refLayers.action.rename"),
          app.client.command({ case: "updateLayer", value: { layerId: id, name } }),
        ),
      recolour: (id, colour) =>
        void app.run(
          t("refLayers.action.colour"),
          app.client.command({ case: "updateLayer", value: { layerId: id, style: { colour } } }),
        ),
      remove: (id) => {
        const layer = app.client.replica.state.layers.get(id);
        if (!layer || !window.confirm(t("refLayers.confirmRemove", { name: layer.name }))) return;
        void app.run(t("refLayers.action.remove"), app.client.command({ case: "removeLayer", value: { layerId: id } }));
      },
      copyAll: (id) => {
        const layer = app.client.replica.state.layers.get(id);
        if (layer)
          void this.copy(
            layer,
            layer.features.map((_, i) => i),
          );
      },
    });
  }

  render(): void {
    const layers = [...this.app.client.replica.state.layers.values()].sort((a, b) =>
      a.addedSeq < b.addedSeq ? -1 : a.addedSeq > b.addedSeq ? 1 : 0,
    );
    const present = new Set(layers.map((l) => l.id));
    for (const [id, drawn] of this.drawn)
      if (!present.has(id)) {
        drawn.group.remove();
        this.drawn.delete(id);
        this.hidden.delete(id);
      }
    for (const layer of layers) {
      const colour = safeColour(layer.style?.colour ?? "", referenceDefaultColour);
      const key = `${colour}|${layer.name}|${layer.features.length}`;
      let drawn = this.drawn.get(layer.id);
      if (!drawn || drawn.key !== key) {
        drawn?.group.remove();
        drawn = { key, group: this.draw(layer, colour) };
        this.drawn.set(layer.id, drawn);
      }
      const shown = !this.hidden.has(layer.id);
      if (shown && !this.map.map.hasLayer(drawn.group)) drawn.group.addTo(this.map.map);
      if (!shown && this.map.map.hasLayer(drawn.group)) drawn.group.remove();
      if (this.fitWhenDrawn === layer.id) {
        this.fitWhenDrawn = "";
        const bounds = drawn.group.getBounds();
        if (bounds.isValid()) this.map.map.fitBounds(bounds, { animate: false, maxZoom: 16, padding: [30, 30] });
      }
    }
    this.legend.render(layers);
  }

  private draw(layer: ReferenceLayer, colour: string): L.FeatureGroup {
    const group = L.featureGroup();
    layer.features.forEach((feature, index) => {
      const shape = referenceShape(feature, colour, index);
      if (!shape) return;
      shape.bindPopup(() => this.popup(layer.id, index), { maxWidth: 320 });
      group.addLayer(shape);
    });
    return group;
  }

  // The popup of one feature of a layer, built from text nodes only: a
  // file's attributes can never become markup.
  private popup(layerId: string, index: number): HTMLElement {
    const layer = this.app.client.replica.state.layers.get(layerId);
    const feature = layer?.features[index];
    if (!layer || !feature) return el("div", {});
    const body = referencePopupBody(layer.name, feature, "reference-popup");
    if (this.app.isFacilitator()) {
      const copy = el("button", { type: "button", "data-testid": "reference-copy-one" }, t("refLayers.copyOne"));
      copy.addEventListener("click", () => {
        this.map.map.closePopup();
        void this.copy(layer, [index]);
      });
      body.append(copy);
    }
    return body;
  }

  private async copy(layer: ReferenceLayer, indexes: number[]): Promise<void> {
    if (indexes.length === 0) return;
    const featureIds = indexes.map(() => `f-${randomId()}`);
    const result = await this.app.run(
      t("refLayers.action.copy"),
      this.app.client.command({ case: "copyLayerFeatures", value: { layerId: layer.id, indexes, featureIds } }),
    );
    if (result.ok) notify(t("refLayers.copied", { count: indexes.length }));
  }
}

// The "Import a layer" dialog: a file, an optional name, the format (found
// from the file's extension, or by the server from its content), the
// upload's progress and the server's refusal in the page's language.
class ImportDialog {
  private readonly dialog = el("dialog", {
    class: "import-dialog",
    "aria-labelledby": "import-layer-title",
    "data-testid": "import-dialog",
  });
  private readonly file = el("input", {
    type: "file",
    id: "import-layer-file",
    accept: ".geojson,.json,.kml,.gpx,.csv,.txt",
    "aria-describedby": "import-layer-help",
    "data-testid": "import-file",
  });
  private readonly name = el("input", {
    type: "text",
    id: "import-layer-name",
    maxlength: 200,
    "data-testid": "import-name",
  });
  private readonly format = el(
    "select",
    { id: "import-layer-format", "data-testid": "import-format" },
    el("option", { value: "" }, t("refLayers.formatAuto")),
    el("option", { value: "geojson" }, "GeoJSON"),
    el("option", { value: "kml" }, "KML"),
    el("option", { value: "gpx" }, "GPX"),
    el("option", { value: "csv" }, "CSV"),
  );
  private readonly progress = el("progress", { max: 100, value: 0, "data-testid": "import-progress", hidden: true });
  private readonly status = el("p", { class: "import-status", role: "status", "data-testid": "import-status" });
  private readonly error = el("p", { class: "import-error", role: "alert", "data-testid": "import-error" });
  private readonly submit = el("button", { type: "submit", "data-testid": "import-submit" }, t("refLayers.submit"));
  private opener: HTMLElement | undefined;
  private idempotencyKey = "";
  private busy = false;

  constructor(
    private readonly app: AppContext,
    private readonly imported: (layerId: string) => void,
  ) {
    const cancel = el("button", { type: "button", "data-testid": "import-cancel" }, t("refLayers.cancel"));
    cancel.addEventListener("click", () => this.dialog.close());
    const form = el(
      "form",
      {},
      el("h2", { id: "import-layer-title" }, t("refLayers.dialogTitle")),
      el("p", { id: "import-layer-help", class: "help" }, t("refLayers.dialogHelp")),
      el("label", { for: "import-layer-file" }, t("refLayers.file")),
      this.file,
      el("label", { for: "import-layer-name" }, t("refLayers.name")),
      this.name,
      el("label", { for: "import-layer-format" }, t("refLayers.format")),
      this.format,
      this.progress,
      this.status,
      this.error,
      el("div", { class: "buttons" }, cancel, this.submit),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.send();
    });
    this.file.addEventListener("change", () => {
      const chosen = this.file.files?.[0];
      // A new file is a new upload; a retry of the same one keeps its key.
      this.idempotencyKey = randomId(16);
      this.error.textContent = "";
      if (!chosen) return;
      this.format.value = formatOfFileName(chosen.name);
      this.name.placeholder = chosen.name.replace(/\.[^.]+$/, "");
    });
    this.dialog.addEventListener("close", () => this.opener?.focus());
    this.dialog.append(form);
    document.body.append(this.dialog);
  }

  open(opener: HTMLElement): void {
    this.opener = opener;
    if (!this.busy) {
      this.file.value = "";
      this.name.value = "";
      this.name.placeholder = "";
      this.format.value = "";
      this.progress.hidden = true;
      replaceChildren(this.status);
      replaceChildren(this.error);
    }
    this.dialog.showModal();
    this.file.focus();
  }

  private async send(): Promise<void> {
    const chosen = this.file.files?.[0];
    if (!chosen) {
      this.error.textContent = t("refLayers.chooseFile");
      this.file.focus();
      return;
    }
    if (this.busy) return;
    this.busy = true;
    this.submit.disabled = true;
    this.error.textContent = "";
    this.progress.hidden = false;
    this.progress.value = 0;
    this.status.textContent = t("refLayers.uploading", { percent: 0 });
    const query = new URLSearchParams({ filename: chosen.name });
    if (this.name.value.trim()) query.set("name", this.name.value.trim());
    if (this.format.value) query.set("format", this.format.value);
    const room = encodeURIComponent(this.app.invite.roomId);
    const answer = await upload(
      `/v1/rooms/${room}/layers?${query.toString()}`,
      chosen,
      { Authorization: `Bearer ${this.app.invite.token}`, "Idempotency-Key": this.idempotencyKey },
      (percent) => {
        this.progress.value = percent;
        this.status.textContent = percent < 100 ? t("refLayers.uploading", { percent }) : t("refLayers.reading");
      },
    );
    this.busy = false;
    this.submit.disabled = false;
    this.progress.hidden = true;
    this.status.textContent = "";
    if (answer.status >= 200 && answer.status < 300) {
      const layer = answer.body as { id: string; name: string; features: number; notes: string[] };
      this.dialog.close();
      notify(t("refLayers.imported", { name: layer.name, count: layer.features }));
      if (layer.notes?.length) notify(t("refLayers.notes", { notes: layer.notes.join(" ") }));
      this.idempotencyKey = randomId(16);
      this.imported(layer.id);
      return;
    }
    this.error.textContent = importFailureText(answer.status, answer.body);
  }
}

// One upload with its progress (fetch has none for a request body); the
// status is 0 when the server could not be reached.
function upload(
  url: string,
  file: File,
  headers: Record<string, string>,
  progress: (percent: number) => void,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) progress(Math.round((e.loaded / e.total) * 100));
    });
    request.upload.addEventListener("load", () => progress(100));
    request.addEventListener("load", () => {
      let body: unknown = undefined;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // not JSON: the status alone says what happened
      }
      resolve({ status: request.status, body });
    });
    request.addEventListener("error", () => resolve({ status: 0, body: undefined }));
    request.send(file);
  });
}

export function mountReferenceLayers(app: AppContext, map: MapView, schedule: () => void): RoomPart {
  return new ReferenceLayersPart(app, map, schedule);
}

// A reference layer's feature as the room page (and the comparison) draws
// it: in the layer's colour, in the reference pane under the room's own
// marks; the index as a class too, what a test (or a style) picks it by.
export function referenceShape(feature: LayerFeature, colour: string, index: number): L.Path | undefined {
  const positions = (feature.geometry?.positions ?? []).map(toLatLng);
  if (positions.length === 0) return undefined;
  const style = { pane: paneName, color: colour, className: `reference-feature reference-feature-${index}` };
  switch (feature.geometry?.kind) {
    case FeatureKind.LINE:
      return L.polyline(positions, { ...style, weight: 3, opacity: 0.85 });
    case FeatureKind.AREA:
      return L.polygon(positions, { ...style, weight: 2, opacity: 0.85, fillOpacity: 0.15 });
    default:
      return L.circleMarker(positions[0]!, { ...style, radius: 6, weight: 2, fillColor: colour, fillOpacity: 0.5 });
  }
}

// The popup's text of one feature of a layer, built from text nodes only: a
// file's attributes can never become markup.
export function referencePopupBody(layerName: string, feature: LayerFeature, testId: string): HTMLElement {
  const body = el(
    "div",
    { class: "reference-popup", "data-testid": testId },
    el("p", { class: "meta" }, t("refLayers.fromLayer", { name: layerName })),
    feature.title ? el("h3", {}, feature.title) : null,
    feature.description ? el("p", { class: "description" }, feature.description) : null,
  );
  if (feature.properties.length > 0) {
    const list = el("dl", { class: "attributes" });
    for (const p of feature.properties) list.append(el("dt", {}, p.key), el("dd", {}, p.value));
    body.append(el("h4", {}, t("refLayers.attributes")), list);
  }
  return body;
}
