// "Go to coordinates": a place typed or pasted as latitude, longitude (in the
// forms coordinates.ts reads) centres the map there and marks the spot until
// the next one. Input that is not a position is refused in words, next to
// the field, and the map stays where it was. Nothing is sent to the room.
// A place picked from the search box's geocoder results arrives here too
// (an event on the document) and is shown the same way, its extent fitted.
import * as L from "leaflet";

import { parsePosition } from "./coordinates.js";
import { el } from "./dom.js";
import { t } from "./i18n/index.js";
import { goToPlaceEvent, type Place } from "./search.js";

// Close enough to see the streets around the spot, without leaving a closer view.
const goToZoom = 16;

export class GoToCoordinates {
  readonly panel: HTMLElement;
  private readonly input = el("input", {
    type: "text",
    id: "goto-coords",
    "data-testid": "goto-input",
    inputmode: "decimal",
    autocomplete: "off",
    placeholder: "-33.92, 18.42",
    "aria-describedby": "goto-message",
  });
  private readonly message = el("p", {
    id: "goto-message",
    class: "tool-status",
    role: "status",
    "aria-live": "polite",
    "data-testid": "goto-message",
  });
  private mark: L.CircleMarker | undefined;

  constructor(private readonly map: L.Map) {
    const form = el(
      "form",
      { class: "goto-form", "data-testid": "goto-form" },
      el("label", { for: "goto-coords" }, t("goto.label")),
      el(
        "div",
        { class: "row" },
        this.input,
        el("button", { type: "submit", "data-testid": "goto-submit" }, t("goto.submit")),
      ),
      this.message,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.go();
    });
    this.panel = el("div", { class: "map-tool-panel goto", "data-testid": "goto-panel" }, form);
    document.addEventListener(goToPlaceEvent, (e) => this.goToPlace((e as CustomEvent<Place>).detail));
  }

  private goToPlace(place: Place): void {
    const at = L.latLng(place.lat, place.lon);
    if (place.bounds) {
      const [south, west, north, east] = place.bounds;
      this.map.fitBounds(L.latLngBounds([south, west], [north, east]), { animate: false, maxZoom: goToZoom });
    } else {
      this.map.setView(at, Math.max(this.map.getZoom(), goToZoom), { animate: false });
    }
    this.markAt(at);
    this.say(t("places.shown", { name: place.name }), false);
  }

  private markAt(at: L.LatLng): void {
    this.mark?.remove();
    this.mark = L.circleMarker(at, {
      radius: 9,
      weight: 3,
      color: "#c2255c",
      fillOpacity: 0.15,
      interactive: false,
      className: "goto-mark",
    }).addTo(this.map);
  }

  focus(): void {
    this.input.focus();
  }

  private go(): void {
    const text = this.input.value;
    const parsed = parsePosition(text);
    if (!parsed.ok) {
      const number = (n: number) => String(Math.round(n * 1e6) / 1e6);
      let why: string;
      switch (parsed.problem) {
        case "empty":
          why = t("goto.empty");
          break;
        case "latitude":
          why = t("goto.latitudeRange", { value: number(parsed.value) });
          break;
        case "longitude":
          why = t("goto.longitudeRange", { value: number(parsed.value) });
          break;
        case "swapped":
          why = t("goto.swapped", {
            value: number(parsed.value),
            suggestion: `${number(parsed.suggestion.lat)}, ${number(parsed.suggestion.lon)}`,
          });
          break;
        default:
          why = t("goto.notAPosition", { text: text.trim().slice(0, 60) });
      }
      this.say(why, true);
      this.input.focus();
      return;
    }
    const at = L.latLng(parsed.lat, parsed.lon);
    this.map.setView(at, Math.max(this.map.getZoom(), goToZoom), { animate: false });
    this.markAt(at);
    // Dots as decimal marks in every language: a position reads as people type and paste it.
    const position = `${Math.round(parsed.lat * 1e5) / 1e5}, ${Math.round(parsed.lon * 1e5) / 1e5}`;
    this.say(t("goto.done", { position }), false);
  }

  private say(text: string, refused: boolean): void {
    this.message.textContent = text;
    this.message.classList.toggle("error", refused);
    this.message.dataset.state = refused ? "refused" : "done";
    this.input.setAttribute("aria-invalid", String(refused));
  }
}
