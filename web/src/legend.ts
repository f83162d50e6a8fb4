// The map's legend as a panel: one layer per category (with its count) that
// can be shown or hidden, and a choice of author, so a crowded map can be
// read one theme or one person at a time (clustered markers included: a
// hidden category leaves the clusters too). Each category shows the picture
// its markers carry. Only what this page shows changes; the room stays as it
// is for everyone else.
import type { Feature, ReferenceLayer } from "@maptable/client";

import type { AppContext } from "./context.js";
import { el, replaceChildren } from "./dom.js";
import { safeColour } from "./geometry.js";
import { categoryIcon } from "./icons.js";
import { t } from "./i18n/index.js";
import "./legend.css";

// Which confirmed features this page shows. This page's own unconfirmed
// changes show whatever the filter, so nothing one just did seems lost.
export class MapFilter {
  readonly hiddenCategories = new Set<string>();
  author = ""; // "" = everyone

  shows(feature: Pick<Feature, "category" | "authorId">): boolean {
    return !this.hiddenCategories.has(feature.category) && (!this.author || feature.authorId === this.author);
  }
}

export class LayersPanel {
  private readonly list = el("ul", { class: "layers", "data-testid": "layers" });
  private readonly author = el("select", { id: "author-filter", "data-testid": "author-filter" });
  private drawn = ""; // the categories, counts and authors last drawn

  constructor(
    root: HTMLElement,
    private readonly app: AppContext,
    private readonly filter: MapFilter,
    private readonly changed: () => void,
  ) {
    this.author.addEventListener("change", () => {
      filter.author = this.author.value;
      changed();
    });
    root.append(
      el("h2", {}, t("layers.categories")),
      this.list,
      el("h2", {}, el("label", { for: "author-filter" }, t("layers.author"))),
      this.author,
    );
  }

  // Redrawn only when the categories, their counts or the authors change, so
  // a checkbox keeps its focus while the room goes on around it.
  render(): void {
    const counts = new Map<string, number>();
    const authors = new Map<string, string>();
    for (const f of this.app.client.replica.state.features.values()) {
      counts.set(f.category, (counts.get(f.category) ?? 0) + 1);
      authors.set(f.authorId, f.authorName || this.app.nameOf(f.authorId));
    }
    const categories = [...counts.keys()].sort((a, b) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)));
    const people = [...authors].sort((a, b) => a[1].localeCompare(b[1]));
    const key = JSON.stringify([categories.map((c) => [c, counts.get(c)]), people]);
    if (key === this.drawn) return;
    this.drawn = key;
    if (categories.length === 0) replaceChildren(this.list, el("li", { class: "empty" }, t("layers.empty")));
    else
      replaceChildren(
        this.list,
        ...categories.map((category) => {
          const box = el("input", {
            type: "checkbox",
            "data-testid": "layer-toggle",
            "data-category": category,
            checked: !this.filter.hiddenCategories.has(category),
          });
          box.addEventListener("change", () => {
            if (box.checked) this.filter.hiddenCategories.delete(category);
            else this.filter.hiddenCategories.add(category);
            this.changed();
          });
          return el(
            "li",
            { "data-testid": "layer", "data-category": category },
            el(
              "label",
              {},
              box,
              " ",
              el("span", { class: "legend-icon" }, categoryIcon(category)),
              category || t("layers.none"),
              " ",
              el("span", { class: "count" }, `(${counts.get(category)})`),
            ),
          );
        }),
      );
    if (this.filter.author && !authors.has(this.filter.author)) this.filter.author = "";
    replaceChildren(
      this.author,
      el("option", { value: "" }, t("layers.everyone")),
      ...people.map(([id, name]) => el("option", { value: id }, name)),
    );
    this.author.value = this.filter.author;
  }
}

// ---------------------------------------------------------- reference layers

// What the legend's reference layers do; reference_layers.ts acts on them.
export interface ReferenceLegendActions {
  shown(layerId: string): boolean; // this page's choice, not the room's
  show(layerId: string, shown: boolean): void;
  canImport(): boolean; // facilitators and participants
  canEdit(): boolean; // facilitators
  openImport(opener: HTMLElement): void;
  rename(layerId: string, name: string): void;
  recolour(layerId: string, colour: string): void;
  remove(layerId: string): void;
  copyAll(layerId: string): void;
}

// The default colour of a reference layer with none: a muted slate that
// stays apart from the room's own (blue) features.
export const referenceDefaultColour = "#6b5b95";

// The room's reference layers in the Layers panel: each with a toggle (a
// per-viewer choice), its colour and its count; for facilitators a
// disclosure with rename, colour, copy all and remove. Redrawn only when a
// layer, its name or colour, or the toggles change, so a focused control
// keeps its focus while the room goes on.
export class ReferenceLegend {
  private readonly list = el("ul", { class: "reference-layers", "data-testid": "reference-layers" });
  private readonly importButton = el(
    "button",
    { type: "button", class: "import-layer", "data-testid": "import-layer" },
    t("refLayers.import"),
  );
  private drawn = "";

  constructor(
    root: HTMLElement,
    private readonly actions: ReferenceLegendActions,
  ) {
    this.importButton.addEventListener("click", () => actions.openImport(this.importButton));
    root.append(el("h2", {}, t("refLayers.heading")), this.list, this.importButton);
  }

  render(layers: ReferenceLayer[]): void {
    this.importButton.hidden = !this.actions.canImport();
    const key = JSON.stringify([
      this.actions.canEdit(),
      layers.map((l) => [l.id, l.name, l.style?.colour ?? "", l.features.length, this.actions.shown(l.id)]),
    ]);
    if (key === this.drawn) return;
    this.drawn = key;
    if (layers.length === 0) {
      replaceChildren(this.list, el("li", { class: "empty" }, t("refLayers.empty")));
      return;
    }
    replaceChildren(this.list, ...layers.map((layer) => this.entry(layer)));
  }

  private entry(layer: ReferenceLayer): HTMLElement {
    const colour = safeColour(layer.style?.colour ?? "", referenceDefaultColour);
    const box = el("input", {
      type: "checkbox",
      "data-testid": "reference-layer-toggle",
      checked: this.actions.shown(layer.id),
    });
    box.addEventListener("change", () => this.actions.show(layer.id, box.checked));
    const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.backgroundColor = colour;
    const item = el(
      "li",
      { "data-testid": "reference-layer", "data-layer": layer.id, "data-name": layer.name },
      el(
        "label",
        {},
        box,
        " ",
        swatch,
        layer.name,
        " ",
        el("span", { class: "count" }, `(${t("refLayers.count", { count: layer.features.length })})`),
      ),
    );
    if (this.actions.canEdit()) item.append(this.editor(layer, colour));
    return item;
  }

  private editor(layer: ReferenceLayer, colour: string): HTMLElement {
    const name = el("input", {
      type: "text",
      value: layer.name,
      maxlength: 200,
      "aria-label": t("refLayers.nameOf", { name: layer.name }),
      "data-testid": "reference-layer-name",
    });
    const rename = el("button", { type: "button", "data-testid": "reference-layer-rename" }, t("refLayers.rename"));
    rename.addEventListener("click", () => {
      const wanted = name.value.trim();
      if (wanted && wanted !== layer.name) this.actions.rename(layer.id, wanted);
    });
    name.addEventListener("keydown", (e) => {
      if (e.key === "Enter") rename.click();
    });
    const picker = el("input", {
      type: "color",
      value: colour,
      "aria-label": t("refLayers.colourOf", { name: layer.name }),
      "data-testid": "reference-layer-colour",
    });
    picker.addEventListener("change", () => this.actions.recolour(layer.id, picker.value));
    // Named by its disclosure ("Change <layer>"), so its own words stay its name.
    const copyAll = el("button", { type: "button", "data-testid": "reference-layer-copy-all" }, t("refLayers.copyAll"));
    copyAll.addEventListener("click", () => this.actions.copyAll(layer.id));
    const remove = el(
      "button",
      {
        type: "button",
        class: "danger",
        "data-testid": "reference-layer-remove",
        "aria-label": t("refLayers.removeNamed", { name: layer.name }),
      },
      t("refLayers.remove"),
    );
    remove.addEventListener("click", () => this.actions.remove(layer.id));
    return el(
      "details",
      { class: "reference-layer-edit" },
      el("summary", {}, t("refLayers.actions", { name: layer.name })),
      el("div", { class: "row" }, name, rename),
      el("div", { class: "row" }, picker, copyAll),
      el("div", { class: "row" }, remove),
    );
  }
}
