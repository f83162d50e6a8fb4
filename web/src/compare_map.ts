// One side's map in the comparison: the room's base map, its reference
// layers (read-only, under the room's own features, as on the room page) and
// its features drawn by the room map's own FeatureLayers (the same markers,
// category pictures, notes and clusters), with a read-only popup. Nothing
// here edits: the comparison adds notes through its own form, where the
// side's role is checked first.
import * as L from "leaflet";

import { FeatureKind, type MaptableClient, type ReferenceLayer } from "@maptable/client";

import { defaultTileSource, type AppConfig, type TileSource } from "./app_config.js";
import { maxZoom } from "./base_map.js";
import { clusterGroup } from "./cluster_layer.js";
import { el } from "./dom.js";
import { FeatureLayers } from "./feature_layers.js";
import { safeColour, toLatLng } from "./geometry.js";
import { t } from "./i18n/index.js";
import { referenceDefaultColour } from "./legend.js";
import { labelMinZoom, noteScale } from "./map_view.js";
import { newMap } from "./motion.js";
import { referencePopupBody, referenceShape } from "./reference_layers.js";
import "./reference_layers.css";

// The room page's pane name, so reference_layers.css places it the same way:
// above the tiles, below the room's own lines, areas and markers.
const referencePane = "referenceLayers";

export class CompareMap {
  readonly map: L.Map;
  private readonly features: FeatureLayers;
  private readonly references = new Map<string, { key: string; group: L.FeatureGroup }>();
  private tiles: L.TileLayer | undefined;
  private tileSource: TileSource | undefined;
  private placed = false;
  private quietMoves = 0;

  constructor(
    readonly container: HTMLElement,
    private readonly config: AppConfig,
    private readonly client: MaptableClient,
  ) {
    this.map = newMap(container, {
      zoomControl: true,
      worldCopyJump: true,
      attributionControl: true,
      maxZoom,
    });
    this.map.attributionControl.setPrefix(false);
    this.map.createPane(referencePane);
    // Until the room's view is known (the Welcome), the whole world.
    this.map.setView([0, 0], 2);
    const zoomed = () => {
      const zoom = this.map.getZoom();
      container.classList.toggle("labels-hidden", zoom < labelMinZoom);
      container.style.setProperty("--note-scale", noteScale(zoom).toFixed(3));
      container.dataset.noteSize = zoom < labelMinZoom ? "small" : "full";
    };
    zoomed();
    this.map.on("zoomend", zoomed);
    // Where this map is, for whoever checks that the views follow each other.
    this.map.on("moveend", () => this.markView());
    this.markView();
    const clusters = clusterGroup();
    clusters.addTo(this.map);
    this.features = new FeatureLayers(this.map, clusters, {
      open: (id) => this.openFeature(id),
      moved: () => {},
      dots: () => 0,
      shows: () => true,
    });
    // Stacked or side by side, the map's box changes with the window.
    new ResizeObserver(() => this.quietly(() => this.map.invalidateSize({ pan: false }))).observe(container);
  }

  // The replica as it is now. The room's own view is taken once, when the
  // room is first known; after that the view is the person's (and the link's).
  render(): void {
    const state = this.client.replica.state;
    if (!this.placed && state.info.id) {
      this.placed = true;
      const centre = toLatLng(state.info.center ?? { lon: 0, lat: 0 });
      this.quietly(() => this.map.setView(centre, state.info.zoom || 2, { animate: false }));
    }
    this.showTiles();
    this.features.render(this.client, () => false);
    this.renderReferences([...state.layers.values()]);
  }

  get placedOnRoom(): boolean {
    return this.placed;
  }

  // Whether the move under way is this page's own (placing the map on its
  // room, a resize), not the person's. Leaflet reports an unanimated view
  // change and a resize synchronously, so a counter around them tells.
  get movingItself(): boolean {
    return this.quietMoves > 0;
  }

  private quietly(move: () => void): void {
    this.quietMoves++;
    try {
      move();
    } finally {
      this.quietMoves--;
    }
  }

  private markView(): void {
    const centre = this.map.getCenter();
    this.container.dataset.center = `${centre.lat.toFixed(5)},${centre.lng.toFixed(5)}`;
    this.container.dataset.zoom = String(this.map.getZoom());
  }

  // The tile source the room's base map names (the server's default when it
  // names none, or one this server does not have); none: a plain background.
  private showTiles(): void {
    const wanted = this.client.replica.state.info.baseMap || defaultTileSource;
    const sources = this.config.tileSources;
    const source =
      sources.find((s) => s.id === wanted) ?? sources.find((s) => s.id === defaultTileSource) ?? sources[0]!;
    if (source === this.tileSource) return;
    this.tileSource = source;
    this.tiles?.remove();
    this.tiles = undefined;
    this.container.dataset.baseMap = source.id;
    this.container.classList.toggle("no-tiles", !source.url);
    if (!source.url) return;
    const tiles = L.tileLayer(source.url, { attribution: source.attribution, maxZoom, crossOrigin: false });
    // Unreachable tiles leave the plain background; the features still show.
    tiles.on("tileerror", () => this.container.classList.add("tiles-failing"));
    tiles.on("tileload", () => this.container.classList.remove("tiles-failing"));
    this.tiles = tiles;
    tiles.addTo(this.map);
  }

  private renderReferences(layers: ReferenceLayer[]): void {
    const present = new Set(layers.map((l) => l.id));
    for (const [id, drawn] of this.references)
      if (!present.has(id)) {
        drawn.group.remove();
        this.references.delete(id);
      }
    for (const layer of layers) {
      const colour = safeColour(layer.style?.colour ?? "", referenceDefaultColour);
      const key = `${colour}|${layer.name}|${layer.features.length}`;
      const drawn = this.references.get(layer.id);
      if (drawn?.key === key) continue;
      drawn?.group.remove();
      const group = L.featureGroup();
      layer.features.forEach((feature, index) => {
        const shape = referenceShape(feature, colour, index);
        if (!shape) return;
        shape.bindPopup(() => this.referencePopup(layer.id, index), { maxWidth: 300 });
        group.addLayer(shape);
      });
      group.addTo(this.map);
      this.references.set(layer.id, { key, group });
    }
  }

  // A file's attributes as text nodes only: they can never become markup.
  private referencePopup(layerId: string, index: number): HTMLElement {
    const layer = this.client.replica.state.layers.get(layerId);
    const feature = layer?.features[index];
    if (!layer || !feature) return el("div", {});
    return referencePopupBody(layer.name, feature, "compare-reference-popup");
  }

  private openFeature(id: string): void {
    const feature = this.client.replica.findFeature(id);
    if (!feature?.geometry?.positions[0]) return;
    const positions = feature.geometry.positions.map(toLatLng);
    const at =
      feature.geometry.kind === FeatureKind.LINE || feature.geometry.kind === FeatureKind.AREA
        ? L.latLngBounds(positions).getCenter()
        : positions[0]!;
    const body = el(
      "div",
      { class: "compare-popup", "data-testid": "compare-feature-popup" },
      el("h3", {}, feature.title || t(kindKey(feature.geometry.kind))),
      feature.category ? el("p", { class: "meta" }, feature.category) : null,
      feature.description ? el("p", { class: "description" }, feature.description) : null,
      feature.authorName ? el("p", { class: "meta" }, t("compare.by", { name: feature.authorName })) : null,
    );
    L.popup({ maxWidth: Math.min(300, this.map.getSize().x - 60), autoPan: true })
      .setLatLng(at)
      .setContent(body)
      .openOn(this.map);
  }
}

function kindKey(kind: FeatureKind): "kind.note" | "kind.point" | "kind.line" | "kind.area" {
  switch (kind) {
    case FeatureKind.NOTE:
      return "kind.note";
    case FeatureKind.LINE:
      return "kind.line";
    case FeatureKind.AREA:
      return "kind.area";
    default:
      return "kind.point";
  }
}
