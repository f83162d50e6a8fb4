// Finding a feature by what it says: its title, its text and its category,
// matched word by word without regard to case or accents ("cafe" finds
// "Café"). Titles that start with the words come first. A result flies the
// map to the feature and opens it. Features the legend hides are counted,
// not listed, since opening one would show what this page chose to hide.
//
// And places, when the server names a geocoder (--geocoder-url, in
// /config.json as geocoder_url): the same words go to it from this browser
// (never through the server), once typing has paused, and its places are
// listed under the room's features with a line saying where they come from.
// A place flies the map there (go_to.ts marks it); nothing is sent to the
// room. A geocoder that fails or is slow costs its places, never the search.
import { FeatureKind, type Feature } from "@maptable/client";

import type { AppContext } from "./context.js";
import { el, replaceChildren } from "./dom.js";
import { folded } from "./icons.js";
import { t, type MessageKey } from "./i18n/index.js";
import type { MapFilter } from "./legend.js";

const maxResults = 20; // a list to choose from, not to scroll through
const maxPlaces = 8; // a geocoder's best few; it ranks them
const geocoderPauseMs = 450; // typing has paused: public geocoders allow about one request a second
const geocoderMinChars = 3; // fewer match half the world
const geocoderTimeoutMs = 8000; // a slow answer is no answer: the note says so

// A place a geocoder found: where it is and, when it said, its extent.
export interface Place {
  name: string;
  lat: number;
  lon: number;
  bounds?: [south: number, west: number, north: number, east: number];
}

// What go_to.ts listens for on the document to move the map to a place.
export const goToPlaceEvent = "maptable:go-to-place";

function finite(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

function inRange(lat: number | undefined, lon: number | undefined): boolean {
  return lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
}

// A geocoder's answer as places: Nominatim's JSON (an array of places with
// lat, lon, display_name and boundingbox [south, north, west, east]) or
// GeoJSON (Photon, Pelias, Nominatim's geojson: a FeatureCollection of
// points with a name or label). Anything else, or an entry without a
// position in range, is left out: the answer comes from outside.
export function placesFrom(body: unknown): { places: Place[]; licence: string } {
  const places: Place[] = [];
  let licence = "";
  const entries: unknown[] = Array.isArray(body)
    ? body
    : body && typeof body === "object" && Array.isArray((body as { features?: unknown }).features)
      ? (body as { features: unknown[] }).features
      : [];
  if (body && typeof body === "object" && typeof (body as { licence?: unknown }).licence === "string")
    licence = (body as { licence: string }).licence;
  for (const entry of entries) {
    if (!entry || typeof entry !== "object") continue;
    const e = entry as Record<string, unknown>;
    if (!licence && typeof e.licence === "string") licence = e.licence;
    let lat = finite(e.lat);
    let lon = finite(e.lon);
    let name = typeof e.display_name === "string" ? e.display_name : typeof e.name === "string" ? e.name : "";
    let bounds: Place["bounds"];
    const box = Array.isArray(e.boundingbox) ? e.boundingbox.map(finite) : [];
    if (box.length === 4 && box.every((n) => n !== undefined)) {
      const [south, north, west, east] = box as number[];
      if (inRange(south, west) && inRange(north, east) && south! <= north!) bounds = [south!, west!, north!, east!];
    }
    const geometry = e.geometry as { type?: unknown; coordinates?: unknown } | undefined;
    if (geometry?.type === "Point" && Array.isArray(geometry.coordinates)) {
      lon = finite(geometry.coordinates[0]);
      lat = finite(geometry.coordinates[1]);
      const p = (e.properties ?? {}) as Record<string, unknown>;
      const parts = [p.label, p.display_name, p.name, p.city, p.country].filter(
        (x): x is string => typeof x === "string" && x !== "",
      );
      name = typeof p.label === "string" || typeof p.display_name === "string" ? parts[0]! : parts.join(", ");
      const extent = Array.isArray(p.extent) ? p.extent.map(finite) : [];
      if (extent.length === 4 && extent.every((n) => n !== undefined)) {
        // Photon's extent: [west, north, east, south]
        const [west, north, east, south] = extent as number[];
        if (inRange(south, west) && inRange(north, east) && south! <= north!) bounds = [south!, west!, north!, east!];
      }
    }
    if (!inRange(lat, lon) || !name) continue;
    places.push({ name: name.slice(0, 200), lat: lat!, lon: lon!, ...(bounds ? { bounds } : {}) });
    if (places.length === maxPlaces) break;
  }
  return { places, licence: licence.slice(0, 300) };
}

// The geocoder's URL for these words: {query} percent-encoded.
export function geocoderRequest(template: string, query: string): string {
  return template.split("{query}").join(encodeURIComponent(query));
}

// The server's geocoder, "" for none. Read from /config.json here, as the
// page's own start-up does, so that the search box needs nothing more.
let geocoderTemplate: Promise<string> | undefined;
function configuredGeocoder(): Promise<string> {
  geocoderTemplate ??= fetch("/config.json", { cache: "no-cache" })
    .then((res): Promise<{ geocoder_url?: unknown }> | object => (res.ok ? res.json() : {}))
    .then((body: { geocoder_url?: unknown }) => {
      const url = body.geocoder_url;
      return typeof url === "string" && url.includes("{query}") ? url : "";
    })
    .catch(() => "");
  return geocoderTemplate;
}

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
  // The geocoder's part: its places, a line on their source, a note on its state.
  private readonly places = el("ul", { class: "search-results search-places", "data-testid": "place-results" });
  private readonly placeStatus = el("p", {
    class: "tool-status",
    role: "status",
    "aria-live": "polite",
    "data-testid": "place-status",
  });
  private readonly attribution = el("p", {
    class: "muted-text search-attribution",
    "data-testid": "place-attribution",
  });
  private geocoder = "";
  private pause: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;
  private asked = ""; // the words the places shown (or coming) are for
  private readonly answers = new Map<string, { places: Place[]; licence: string }>();

  constructor(
    private readonly app: AppContext,
    private readonly filter: MapFilter,
    private readonly show: (featureId: string) => void,
  ) {
    this.input.setAttribute("aria-controls", "map-search-results");
    this.input.addEventListener("input", () => {
      this.render();
      this.askGeocoderSoon();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      // Enter takes the first result, as in most search boxes: a feature, else a place.
      e.preventDefault();
      (
        this.results.querySelector<HTMLButtonElement>("button") ??
        this.places.querySelector<HTMLButtonElement>("button")
      )?.click();
    });
    this.places.hidden = true;
    this.attribution.hidden = true;
    this.panel = el(
      "div",
      { class: "map-tool-panel search", "data-testid": "search-panel" },
      el("label", { for: "map-search" }, t("search.label")),
      this.input,
      this.status,
      this.results,
      this.placeStatus,
      this.places,
      this.attribution,
    );
    void configuredGeocoder().then((url) => {
      this.geocoder = url;
      if (!url) return;
      this.input.placeholder = t("places.placeholder");
      this.attribution.textContent = t("places.source", { host: hostOf(url) });
      this.askGeocoderSoon();
    });
  }

  // Asks the geocoder once typing has paused; a newer question cancels an older one.
  private askGeocoderSoon(): void {
    if (!this.geocoder) return;
    clearTimeout(this.pause);
    const query = this.input.value.trim();
    if (query.length < geocoderMinChars) {
      this.inFlight?.abort();
      this.asked = "";
      this.showPlaces(undefined);
      return;
    }
    if (query === this.asked) return;
    this.pause = setTimeout(() => void this.askGeocoder(query), geocoderPauseMs);
  }

  private async askGeocoder(query: string): Promise<void> {
    this.asked = query;
    const known = this.answers.get(query);
    if (known) return this.showPlaces(known);
    this.inFlight?.abort();
    const asking = new AbortController();
    this.inFlight = asking;
    const timer = setTimeout(() => asking.abort(), geocoderTimeoutMs);
    this.placeStatus.dataset.state = "asking";
    try {
      const res = await fetch(geocoderRequest(this.geocoder, query), {
        signal: asking.signal,
        headers: { Accept: "application/json" },
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const answer = placesFrom(await res.json());
      this.answers.set(query, answer);
      if (this.asked === query) this.showPlaces(answer);
    } catch {
      // Cancelled by newer words: those will answer. Else the geocoder is
      // down, slow or said something that is not JSON: say so, politely.
      if (this.inFlight !== asking || this.asked !== query) return;
      replaceChildren(this.places);
      this.places.hidden = true;
      this.placeStatus.dataset.state = "failed";
      this.placeStatus.textContent = t("places.failed");
    } finally {
      clearTimeout(timer);
      if (this.inFlight === asking) this.inFlight = undefined;
    }
  }

  private showPlaces(answer: { places: Place[]; licence: string } | undefined): void {
    if (!answer) {
      replaceChildren(this.places);
      this.places.hidden = true;
      this.attribution.hidden = true;
      this.placeStatus.textContent = "";
      this.placeStatus.dataset.state = "idle";
      return;
    }
    const { places, licence } = answer;
    this.placeStatus.dataset.state = "answered";
    this.placeStatus.textContent = places.length
      ? t("places.found", { count: places.length })
      : t("places.none", { query: this.asked });
    this.attribution.hidden = false;
    this.attribution.textContent = t("places.source", { host: hostOf(this.geocoder) }) + (licence ? ` ${licence}` : "");
    this.places.hidden = places.length === 0;
    replaceChildren(
      this.places,
      ...places.map((place) => {
        const button = el(
          "button",
          { type: "button", "data-testid": "place-result" },
          el("span", { class: "name" }, place.name),
        );
        button.addEventListener("click", () => {
          document.dispatchEvent(new CustomEvent<Place>(goToPlaceEvent, { detail: place }));
          this.placeStatus.textContent = t("places.shown", { name: place.name });
        });
        return el("li", {}, button);
      }),
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

// "https://nominatim.example.org/search?q={query}" -> "nominatim.example.org".
function hostOf(url: string): string {
  try {
    return new URL(url.split("{query}").join("x")).host;
  } catch {
    return url;
  }
}
