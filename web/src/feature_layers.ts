// The features of the replica on the map, one Leaflet layer each, redrawn only
// when a feature's updated_seq changes; and this page's changes to features
// that the server has not confirmed yet (dashed, "pending"), from the
// client's pending commands: a feature added, a feature as edited or moved
// (in place of the confirmed one), a feature being deleted (faded). Markers
// and notes go into the map's clusters (lines and areas, and pending changes,
// stay on the map itself); a marker with a category shows that category's
// picture. Markers and notes are reachable with Tab and open with Enter.
import * as L from "leaflet";

import { FeatureKind, type Feature, type MaptableClient } from "@maptable/client";

import { el } from "./dom.js";
import { safeColour, toLatLng } from "./geometry.js";
import { categoryIcon } from "./icons.js";
import { t } from "./i18n/index.js";

export interface FeatureLayerEvents {
  open(featureId: string): void; // clicked
  moved(featureId: string, lon: number, lat: number): void; // a marker or note dragged
  dots(featureId: string): number; // its dots in the open vote round; 0 = no badge
  shows(feature: Feature): boolean; // not filtered out by the legend
}

interface Drawn {
  updatedSeq: bigint;
  dots: number;
  layer: L.Layer;
  clustered: boolean; // in the clusters, else on the map itself
}

type FeatureShape = Pick<Feature, "id" | "title" | "description" | "colour" | "category"> & {
  geometry?: { kind: FeatureKind; positions: { lon: number; lat: number }[] };
};

type PendingKind = "add" | "update" | "delete";

// The confirmed features that pending commands change, as they will be once
// the server applies them, in the order the commands were issued.
function pendingEdits(client: MaptableClient): Map<string, { feature: FeatureShape; kind: PendingKind }> {
  const state = client.replica.state;
  const edits = new Map<string, { feature: FeatureShape; kind: PendingKind }>();
  for (const command of client.pendingCommands) {
    const body = command.body;
    if (body.case !== "updateFeature" && body.case !== "deleteFeature") continue;
    const id = body.value.id;
    const base = edits.get(id)?.feature ?? state.features.get(id);
    if (!base) continue; // not confirmed yet (or gone): the server decides
    if (body.case === "deleteFeature") {
      edits.set(id, { feature: base, kind: "delete" });
      continue;
    }
    const patch = body.value.patch;
    edits.set(id, {
      kind: edits.get(id)?.kind === "delete" ? "delete" : "update",
      feature: {
        id,
        geometry: patch?.geometry ?? base.geometry,
        title: patch?.title ?? base.title,
        description: patch?.description ?? base.description,
        colour: patch?.colour ?? base.colour,
        category: patch?.category ?? base.category,
      },
    });
  }
  return edits;
}

export class FeatureLayers {
  private readonly drawn = new Map<string, Drawn>();
  private readonly pendingGroup = L.layerGroup();
  private spotlight = "";

  constructor(
    private readonly map: L.Map,
    private readonly clusters: L.MarkerClusterGroup,
    private readonly events: FeatureLayerEvents,
  ) {
    this.pendingGroup.addTo(map);
  }

  layerOf(featureId: string): L.Layer | undefined {
    return this.drawn.get(featureId)?.layer;
  }

  render(client: MaptableClient, canEdit: (f: Feature) => boolean): void {
    const state = client.replica.state;
    // Only the features that gain or lose the spotlight are redrawn: in a
    // room of thousands, redrawing all would stall the page.
    const respotlit = new Set(
      state.spotlightFeatureId !== this.spotlight ? [this.spotlight, state.spotlightFeatureId] : [],
    );
    this.spotlight = state.spotlightFeatureId;
    const edits = pendingEdits(client);
    // Markers leave and join the clusters in batches: one at a time, each
    // would recluster, which for a room of thousands is seconds.
    const leaving: L.Layer[] = [];
    const joining: L.Layer[] = [];
    for (const [id, drawn] of this.drawn) {
      const feature = state.features.get(id);
      if (
        !feature ||
        !this.events.shows(feature) ||
        feature.updatedSeq !== drawn.updatedSeq ||
        respotlit.has(id) ||
        this.events.dots(id) !== drawn.dots ||
        edits.has(id)
      ) {
        if (drawn.clustered) leaving.push(drawn.layer);
        else drawn.layer.remove();
        this.drawn.delete(id);
      }
    }
    if (leaving.length) this.clusters.removeLayers(leaving);
    for (const feature of state.features.values()) {
      if (this.drawn.has(feature.id) || edits.has(feature.id) || !this.events.shows(feature)) continue;
      const dots = this.events.dots(feature.id);
      const layer = this.make(feature, undefined, canEdit(feature), dots);
      this.tagOnAdd(layer, feature, undefined);
      // The spotlit feature stays out of the clusters: everyone is to see it.
      const clustered = layer instanceof L.Marker && feature.id !== this.spotlight;
      if (clustered) joining.push(layer);
      else layer.addTo(this.map);
      this.drawn.set(feature.id, { updatedSeq: feature.updatedSeq, dots, layer, clustered });
    }
    if (joining.length) this.clusters.addLayers(joining);
    this.pendingGroup.clearLayers();
    for (const command of client.pendingCommands) {
      if (command.body.case !== "addFeature" || !command.body.value.feature) continue;
      const feature = command.body.value.feature;
      if (state.features.has(feature.id)) continue;
      const layer = this.make(feature, "add", false, 0);
      this.tagOnAdd(layer, feature, "add");
      this.pendingGroup.addLayer(layer);
    }
    for (const { feature, kind } of edits.values()) {
      const layer = this.make(feature, kind, false, 0);
      this.tagOnAdd(layer, feature, kind);
      this.pendingGroup.addLayer(layer);
    }
  }

  private make(feature: FeatureShape, pendingKind: PendingKind | undefined, draggable: boolean, dots: number): L.Layer {
    const pending = pendingKind !== undefined;
    const kind = feature.geometry?.kind ?? FeatureKind.POINT;
    const positions = (feature.geometry?.positions ?? []).map(toLatLng);
    const colour = safeColour(feature.colour);
    const spotlit = feature.id === this.spotlight;
    let layer: L.Layer;
    if (kind === FeatureKind.LINE || kind === FeatureKind.AREA) {
      const options: L.PolylineOptions = {
        color: colour,
        weight: spotlit ? 7 : 4,
        dashArray: pending ? "6 6" : undefined,
        opacity: pendingKind === "delete" ? 0.35 : 1,
        fillOpacity: pendingKind === "delete" ? 0.05 : 0.2,
      };
      layer = kind === FeatureKind.LINE ? L.polyline(positions, options) : L.polygon(positions, options);
      if (dots) layer.bindTooltip(`${feature.title} · ● ${dots}`, { permanent: true, className: "dots-tooltip" });
      else if (feature.title) layer.bindTooltip(feature.title, { sticky: true });
    } else {
      const isNote = kind === FeatureKind.NOTE;
      const picture = isNote ? undefined : categoryIcon(feature.category);
      const body = isNote
        ? el(
            "div",
            { class: "note-body" },
            el("strong", {}, feature.title),
            feature.description ? el("span", {}, feature.description.slice(0, 140)) : null,
          )
        : el("div", { class: "pin" }, picture);
      // The marker's title under it (a note shows its own); the marker's
      // name already says it to a screen reader, so the label is for eyes.
      if (!isNote && feature.title)
        body.append(
          el("span", { class: "feature-label", "data-testid": "feature-label", "aria-hidden": "true" }, feature.title),
        );
      if (dots)
        body.append(
          el(
            "span",
            { class: "dots", "data-testid": "feature-dots", "aria-label": t("vote.featureDots", { count: dots }) },
            `● ${dots}`,
          ),
        );
      body.style.borderColor = colour;
      if (!isNote) body.style.background = colour;
      const pinSize = picture ? 26 : 18;
      const icon = L.divIcon({
        className: `feature-icon ${isNote ? "note" : "point"}${picture ? " with-icon" : ""}${pending ? " pending" : ""}${pendingKind === "delete" ? " deleting" : ""}${spotlit ? " spotlit" : ""}`,
        html: body,
        // A note takes the height of its text (the style sheet gives its width).
        iconSize: isNote ? (null as unknown as L.PointExpression) : [pinSize, pinSize],
        iconAnchor: isNote ? [0, 0] : [pinSize / 2, pinSize / 2],
      });
      const marker = L.marker(positions[0] ?? L.latLng(0, 0), {
        icon,
        draggable,
        keyboard: true,
        title: feature.title || t(isNote ? "kind.note" : "kind.point"),
      });
      marker.on("dragend", () => {
        const at = marker.getLatLng().wrap();
        this.events.moved(feature.id, at.lng, at.lat);
      });
      layer = marker;
    }
    if (!pending)
      layer.on("click", (e: L.LeafletMouseEvent) => {
        L.DomEvent.stopPropagation(e);
        this.events.open(feature.id);
      });
    return layer;
  }

  // A clustered marker's element exists only while it is on the map, and is
  // made anew each time a cluster lets it out: tagged every time it is added.
  private tagOnAdd(layer: L.Layer, feature: FeatureShape, pendingKind: PendingKind | undefined): void {
    layer.on("add", () => this.tag(layer, feature, pendingKind));
  }

  // Attributes that let people (and tests) tell the features apart.
  private tag(layer: L.Layer, feature: FeatureShape, pendingKind: PendingKind | undefined): void {
    const pending = pendingKind !== undefined;
    const element = (layer as L.Marker).getElement?.() ?? (layer as L.Path).getElement?.();
    if (!element) return;
    element.setAttribute("data-testid", pending ? "pending-feature" : "feature");
    if (pendingKind) element.setAttribute("data-pending", pendingKind);
    element.setAttribute("data-feature-id", feature.id);
    element.setAttribute("data-title", feature.title);
    element.setAttribute("data-kind", FeatureKind[feature.geometry?.kind ?? FeatureKind.POINT]?.toLowerCase() ?? "");
    element.setAttribute("data-category", feature.category);
    // A marker is focusable (Leaflet gives it tabindex and the button role):
    // Enter or Space opens it, as a click does.
    if (!pending && layer instanceof L.Marker)
      element.addEventListener("keydown", (e: Event) => {
        if (!(e instanceof KeyboardEvent)) return;
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        e.stopPropagation();
        this.events.open(feature.id);
      });
  }
}
