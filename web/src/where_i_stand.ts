// "Mark where I stand": the browser's geolocation places a marker in the
// room at this person's position (titled with their name, open to edit), and
// brings the map there. A refusal of the permission, or a position the
// device cannot find, is said in words, and nothing is added.
import * as L from "leaflet";

import { FeatureKind, randomId } from "@maptable/client";

import type { AppContext } from "./context.js";
import { formatDistance } from "./measure.js";
import { t } from "./i18n/index.js";
import { notify } from "./status.js";

const standZoom = 17; // the street and the buildings around
const standColour = "#d9480f";
// A fix may be a minute old (people stand still in a workshop) and may take
// a while outdoors, but not for ever.
const locateOptions: PositionOptions = { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 };

export class WhereIStand {
  private busy = false;

  constructor(
    private readonly map: L.Map,
    private readonly app: AppContext,
    private readonly opened: (featureId: string) => void,
  ) {}

  // Resolves when the marker is placed or the reason it was not is shown.
  async mark(button: HTMLElement): Promise<void> {
    if (this.busy) return;
    if (!("geolocation" in navigator)) {
      notify(t("stand.unsupported"), "error");
      return;
    }
    this.busy = true;
    button.setAttribute("aria-busy", "true");
    button.dataset.state = "locating";
    try {
      const position = await new Promise<GeolocationPosition>((resolve, reject) =>
        navigator.geolocation.getCurrentPosition(resolve, reject, locateOptions),
      );
      button.dataset.state = "found";
      await this.place(position);
    } catch (error) {
      const failure = error as GeolocationPositionError;
      button.dataset.state = failure?.code === 1 ? "denied" : "failed";
      if (failure?.code === 1) notify(t("stand.denied"), "error", "GEOLOCATION_DENIED");
      else notify(t("stand.unavailable", { reason: failure?.message || String(error) }), "error", "GEOLOCATION_FAILED");
    } finally {
      this.busy = false;
      button.removeAttribute("aria-busy");
    }
  }

  private async place(position: GeolocationPosition): Promise<void> {
    const { latitude, longitude, accuracy } = position.coords;
    const at = L.latLng(latitude, longitude);
    this.map.setView(at, Math.max(this.map.getZoom(), standZoom), { animate: false });
    const id = "f-" + randomId(6);
    const name = this.app.client.me?.name ?? this.app.invite.name;
    const title = t("stand.title", { name }).slice(0, 200);
    const result = await this.app.run(
      t("stand.action"),
      this.app.client.addFeature({
        id,
        title,
        colour: standColour,
        category: "",
        geometry: {
          kind: FeatureKind.POINT,
          positions: [{ lon: Math.round(longitude * 1e7) / 1e7, lat: Math.round(latitude * 1e7) / 1e7 }],
        },
      }),
    );
    if (!result.ok) return;
    notify(t("stand.done", { accuracy: formatDistance(accuracy) }));
    this.opened(id);
  }
}
