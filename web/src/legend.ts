// The map's legend as a panel: one layer per category (with its count) that
// can be shown or hidden, and a choice of author, so a crowded map can be
// read one theme or one person at a time (clustered markers included: a
// hidden category leaves the clusters too). Each category shows the picture
// its markers carry. Only what this page shows changes; the room stays as it
// is for everyone else.
import type { Feature } from "@maptable/client";

import type { AppContext } from "./context.js";
import { el, replaceChildren } from "./dom.js";
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
