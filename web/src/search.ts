// Finding a feature by what it says: its title, its text and its category,
// matched word by word without regard to case or accents ("cafe" finds
// "Café"). Titles that start with the words come first. A result flies the
// map to the feature and opens it. Features the legend hides are counted,
// not listed, since opening one would show what this page chose to hide.
import { FeatureKind, type Feature } from "@maptable/client";

import type { AppContext } from "./context.js";
import { el, replaceChildren } from "./dom.js";
import { folded } from "./icons.js";
import { t, type MessageKey } from "./i18n/index.js";
import type { MapFilter } from "./legend.js";

const maxResults = 20; // a list to choose from, not to scroll through

const kindNames: Record<number, MessageKey> = {
  [FeatureKind.POINT]: "kind.point",
  [FeatureKind.LINE]: "kind.line",
  [FeatureKind.AREA]: "kind.area",
  [FeatureKind.NOTE]: "kind.note",
};

export interface SearchHit {
  feature: Feature;
  rank: number; // lower is better
}

// The features matching every word of the query, best first.
export function searchFeatures(features: Iterable<Feature>, query: string): Feature[] {
  const words = folded(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const hits: SearchHit[] = [];
  for (const feature of features) {
    const title = folded(feature.title);
    const all = `${title} ${folded(feature.description)} ${folded(feature.category)}`;
    if (!words.every((w) => all.includes(w))) continue;
    const rank = title.startsWith(words[0]!)
      ? 0
      : words.every((w) => title.includes(w))
        ? 1
        : folded(feature.category).includes(words[0]!)
          ? 2
          : 3;
    hits.push({ feature, rank });
  }
  hits.sort((a, b) => a.rank - b.rank || a.feature.title.localeCompare(b.feature.title));
  return hits.map((h) => h.feature);
}

export class FeatureSearch {
  readonly panel: HTMLElement;
  private readonly input = el("input", {
    type: "search",
    id: "map-search",
    "data-testid": "map-search",
    autocomplete: "off",
    placeholder: t("search.placeholder"),
  });
  private readonly results = el("ul", {
    class: "search-results",
    "data-testid": "search-results",
    id: "map-search-results",
  });
  private readonly status = el("p", {
    class: "tool-status",
    role: "status",
    "aria-live": "polite",
    "data-testid": "search-status",
  });
  private drawn = ""; // the list last drawn, so a result keeps its focus while the room goes on

  constructor(
    private readonly app: AppContext,
    private readonly filter: MapFilter,
    private readonly show: (featureId: string) => void,
  ) {
    this.input.setAttribute("aria-controls", "map-search-results");
    this.input.addEventListener("input", () => this.render());
    this.input.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      // Enter takes the first result, as in most search boxes.
      e.preventDefault();
      this.results.querySelector<HTMLButtonElement>("button")?.click();
    });
    this.panel = el(
      "div",
      { class: "map-tool-panel search", "data-testid": "search-panel" },
      el("label", { for: "map-search" }, t("search.label")),
      this.input,
      this.status,
      this.results,
    );
  }

  focus(): void {
    this.input.focus();
    this.input.select();
  }

  // Again when the room changes, so the list never offers a deleted feature.
  render(): void {
    const query = this.input.value.trim();
    if (!query) {
      this.status.textContent = "";
      replaceChildren(this.results);
      this.drawn = "";
      return;
    }
    const found = searchFeatures(this.app.client.replica.state.features.values(), query);
    const shown = found.filter((f) => this.filter.shows(f));
    const hidden = found.length - shown.length;
    const listed = shown.slice(0, maxResults);
    const parts = [shown.length ? t("search.results", { count: shown.length }) : t("search.none", { query })];
    if (shown.length > listed.length) parts.push(t("search.more", { count: shown.length - listed.length }));
    if (hidden) parts.push(t("search.hiddenByLayers", { count: hidden }));
    const text = parts.join(" · ");
    if (this.status.textContent !== text) this.status.textContent = text;
    const key = JSON.stringify(listed.map((f) => [f.id, String(f.updatedSeq)]));
    if (key === this.drawn) return;
    this.drawn = key;
    replaceChildren(
      this.results,
      ...listed.map((f) => {
        const name = f.title || t(kindNames[f.geometry?.kind ?? FeatureKind.POINT] ?? "kind.point");
        const detail = [f.category, f.description.slice(0, 60)].filter(Boolean).join(" · ");
        const button = el(
          "button",
          { type: "button", "data-testid": "search-result", "data-feature-id": f.id },
          el("span", { class: "name" }, name),
          detail ? el("span", { class: "detail" }, detail) : null,
        );
        button.addEventListener("click", () => this.show(f.id));
        return el("li", {}, button);
      }),
    );
  }
}
