// The app's part for study trips: photos and field notes on the map, the
// offline photo queue, the itinerary. Mounted once per joined room by
// main.ts; render() runs after every change of the replica (batched per
// animation frame).
//
// A photo goes through three steps, each of which survives a reload:
//   1. picked (or taken): queued in IndexedDB with its Idempotency-Key and
//      the id its note will have;
//   2. uploaded: the server's answer (its attachment id, and its GPS
//      position when the photo had one) is kept with it; an outage or a
//      lost answer is retried with the same key, so the server stores it once;
//   3. placed: the person confirms (or moves) the spot, and the note is sent
//      with that id; the SDK keeps it until the server has it. A second send
//      of the same id is refused by the server, never doubled.
// The server never places anything by itself from a photo's EXIF.
import * as L from "leaflet";

import { FeatureKind, ErrorCode, randomId, type ItineraryStop } from "@maptable/client";

import { RetryDelay, uploadAttachment } from "./attachment_upload.js";
import type { AppContext } from "./context.js";
import { clockTime, el, replaceChildren } from "./dom.js";
import "./field_notes.css";
import { t } from "./i18n/index.js";
import type { MapView } from "./map_view.js";
import { PhotoQueue, type QueuedPhoto } from "./offline_store.js";
import { notify } from "./status.js";

export interface RoomPart {
  render(): void;
}

// A stop as the command takes it: those of the replica, or a new one.
type StopInit = { id: string; title: string; position?: { lon: number; lat: number } };

// Asks where a photo's note goes: at its GPS position when it has one (the
// marker can be dragged), else where the map is tapped or at its centre.
class Placement {
  private readonly bar: HTMLElement;
  private marker: L.Marker | undefined;
  private done: ((placed: boolean) => void) | undefined;
  private photo: QueuedPhoto | undefined;
  private readonly onClick = (e: L.LeafletMouseEvent) => this.moveTo(e.latlng);

  constructor(
    private readonly app: AppContext,
    private readonly map: L.Map,
  ) {
    this.bar = el("div", {
      class: "photo-place",
      role: "dialog",
      "aria-modal": "false",
      "aria-label": t("field.photoNote"),
      "data-testid": "photo-place",
      hidden: true,
    });
    L.DomEvent.disableClickPropagation(this.bar);
    map.getContainer().append(this.bar);
  }

  get featureId(): string | undefined {
    return this.photo?.featureId;
  }

  // Resolves true once the note is sent, false when the person cancelled.
  ask(photo: QueuedPhoto): Promise<boolean> {
    this.photo = photo;
    const gps = photo.uploaded?.gps;
    const at = gps ? L.latLng(gps.lat, gps.lon) : this.map.getCenter();
    this.marker = L.marker(at, {
      draggable: true,
      autoPan: true,
      keyboard: true,
      title: t("field.placeHint"),
      icon: L.divIcon({ className: "photo-place-marker", html: "📷", iconSize: [32, 32], iconAnchor: [16, 16] }),
    }).addTo(this.map);
    this.marker.getElement()?.setAttribute("data-testid", "photo-marker");
    this.map.on("click", this.onClick);
    if (gps) this.map.setView(at, Math.max(this.map.getZoom(), 16));
    const title = el("input", {
      name: "photo-title",
      "data-testid": "photo-title",
      maxlength: 200,
      value: t("field.photoTitle", { time: clockTime(photo.takenMs) }),
      "aria-label": t("field.titleLabel"),
    });
    replaceChildren(
      this.bar,
      el("p", { class: "question", "data-gps": String(!!gps) }, gps ? t("field.placeAtGps") : t("field.placeTap")),
      gps ? el("p", { class: "hint" }, t("field.placeHint")) : null,
      el("label", {}, `${t("field.titleLabel")} `, title),
      el(
        "div",
        { class: "row" },
        el(
          "button",
          { type: "button", "data-testid": "photo-place-here", onclick: () => void this.place(title.value.trim()) },
          t("field.placeHere"),
        ),
        el(
          "button",
          { type: "button", "data-testid": "photo-place-centre", onclick: () => this.moveTo(this.map.getCenter()) },
          t("field.placeCentre"),
        ),
        el(
          "button",
          { type: "button", class: "secondary", "data-testid": "photo-cancel", onclick: () => this.finish(false) },
          t("field.cancel"),
        ),
      ),
    );
    this.bar.hidden = false;
    title.focus();
    return new Promise((resolve) => (this.done = resolve));
  }

  // The note arrived some other way (a reloaded page's SDK sent it): nothing to ask.
  dismiss(): void {
    this.finish(true);
  }

  private moveTo(at: L.LatLng): void {
    this.marker?.setLatLng(at);
  }

  private async place(title: string): Promise<void> {
    const photo = this.photo;
    const marker = this.marker;
    if (!photo?.uploaded || !marker) return;
    const at = marker.getLatLng().wrap();
    const sent = this.app.client.addFeature({
      id: photo.featureId,
      geometry: { kind: FeatureKind.NOTE, positions: [{ lon: at.lng, lat: at.lat }] },
      title: title || t("field.photoTitle", { time: clockTime(photo.takenMs) }),
      attachmentIds: [photo.uploaded.id],
    });
    this.finish(true);
    const result = await sent;
    // The same id already there is this note, sent by an earlier page.
    if (!result.ok && result.code !== ErrorCode.FEATURE_EXISTS)
      void this.app.run(t("field.photoNote"), Promise.resolve(result));
  }

  private finish(placed: boolean): void {
    this.map.off("click", this.onClick);
    this.marker?.remove();
    this.marker = undefined;
    this.bar.hidden = true;
    replaceChildren(this.bar);
    this.photo = undefined;
    const done = this.done;
    this.done = undefined;
    done?.(placed);
  }
}

// The itinerary on the map: a numbered dashed line through its stops.
class ItineraryLayer {
  private readonly group = L.layerGroup();
  private drawn = "";

  constructor(map: L.Map) {
    this.group.addTo(map);
  }

  render(stops: ItineraryStop[]): void {
    const signature = JSON.stringify(stops.map((s) => [s.id, s.title, s.position?.lon, s.position?.lat]));
    if (signature === this.drawn) return;
    this.drawn = signature;
    this.group.clearLayers();
    const points = stops.filter((s) => s.position).map((s) => L.latLng(s.position!.lat, s.position!.lon));
    if (points.length > 1)
      L.polyline(points, { className: "itinerary-line", dashArray: "8 8", weight: 3, interactive: false }).addTo(
        this.group,
      );
    stops.forEach((stop, i) => {
      if (!stop.position) return;
      const marker = L.marker([stop.position.lat, stop.position.lon], {
        title: stop.title,
        alt: stop.title,
        icon: L.divIcon({ className: "itinerary-stop", html: String(i + 1), iconSize: [26, 26], iconAnchor: [13, 13] }),
      }).addTo(this.group);
      marker.getElement()?.setAttribute("data-testid", "itinerary-stop-marker");
    });
  }
}

export function mountFieldNotes(app: AppContext, map: MapView, schedule: () => void): RoomPart {
  const queue = new PhotoQueue(app.myId, app.invite.roomId);
  const placement = new Placement(app, map.map);
  const route = new ItineraryLayer(map.map);
  let queued = 0;
  let pumping = false;
  const retryDelay = new RetryDelay();
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const input = el("input", {
    type: "file",
    accept: "image/*",
    capture: "environment",
    class: "visually-hidden",
    "data-testid": "photo-input",
    "aria-label": t("field.addPhoto"),
  });
  const addButton = el(
    "button",
    { type: "button", class: "add-photo", "data-testid": "add-photo", onclick: () => input.click() },
    "📷 ",
    t("field.addPhoto"),
  );
  const waiting = el("span", { class: "badge", "data-testid": "photo-queue", "data-count": "0", hidden: true });
  const stopsList = el("ol", { class: "itinerary-stops", "data-testid": "itinerary-stops" });
  const editor = el("div", { class: "itinerary-editor" });
  const summary = el("summary", {}, t("field.itinerary"));
  const panel = el("details", { class: "itinerary", "data-testid": "itinerary" }, summary, stopsList, editor);
  const box = el("div", { class: "field-notes leaflet-bar", "data-testid": "field-notes" }, input, panel);
  if (!app.isObserver()) box.prepend(addButton, waiting);
  const control = new L.Control({ position: "bottomright" });
  control.onAdd = () => {
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  control.addTo(map.map);

  const showQueue = (count: number) => {
    queued = count;
    waiting.dataset.count = String(count);
    waiting.hidden = count === 0;
    waiting.textContent = t("field.queued", { count });
  };

  const retryLater = () => {
    if (retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void pump();
    }, retryDelay.next());
  };

  // Takes the queue one photo at a time, oldest first: upload, then ask
  // where its note goes. Runs again whenever something may have changed
  // (a new photo, the network back, the server reconnected, a retry).
  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    try {
      for (;;) {
        const photos = await queue.list();
        showQueue(photos.filter((p) => !p.uploaded).length);
        const photo = photos[0];
        if (!photo) return;
        if (app.client.replica.state.features.has(photo.featureId)) {
          await queue.remove(photo.key); // its note is in the room already
          continue;
        }
        if (!photo.uploaded) {
          waiting.textContent = t("field.uploading");
          const answer = await uploadAttachment(app, photo.key, photo.bytes);
          if ("later" in answer) {
            showQueue(photos.filter((p) => !p.uploaded).length);
            retryLater();
            return;
          }
          retryDelay.reset();
          if ("refused" in answer) {
            notify(t("field.uploadRefused", { reason: answer.refused.reason }), "error");
            await queue.remove(photo.key);
            continue;
          }
          photo.uploaded = { id: answer.ok.id, ...(answer.ok.gps ? { gps: answer.ok.gps } : {}) };
          await queue.put(photo);
          showQueue(photos.filter((p) => !p.uploaded).length);
        }
        await placement.ask(photo);
        await queue.remove(photo.key);
      }
    } finally {
      pumping = false;
    }
  };

  input.addEventListener("change", () => {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    void (async () => {
      const photo: QueuedPhoto = {
        key: "photo-" + randomId(12),
        featureId: "note-" + randomId(8),
        bytes: await file.arrayBuffer(),
        type: file.type,
        takenMs: Date.now(),
      };
      await queue.put(photo);
      showQueue(queued + 1);
      void pump();
    })();
  });
  window.addEventListener("online", () => void pump());
  app.client.onConnectionState((state) => {
    if (state === "connected") void pump();
  });
  void pump();

  const setItinerary = (stops: StopInit[]) =>
    void app.run(t("field.setItinerary"), app.client.command({ case: "setItinerary", value: { stops } }));

  panel.addEventListener("toggle", () => renderItinerary());
  const renderItinerary = () => {
    const stops = app.client.replica.state.itinerary;
    route.render(stops);
    summary.textContent = `${t("field.itinerary")} (${stops.length})`;
    const facilitator = app.isFacilitator();
    const items = stops.map((stop, i) => {
      const moved = (to: number) => {
        const next = [...stops];
        const [taken] = next.splice(i, 1);
        next.splice(to, 0, taken!);
        setItinerary(next);
      };
      return el(
        "li",
        { "data-testid": "itinerary-stop", "data-stop-id": stop.id },
        el(
          "button",
          {
            type: "button",
            class: "link",
            "aria-label": t("field.goToStop", { title: stop.title }),
            onclick: () => stop.position && map.map.setView([stop.position.lat, stop.position.lon]),
          },
          stop.title,
        ),
        facilitator
          ? el(
              "span",
              { class: "stop-tools" },
              el(
                "button",
                {
                  type: "button",
                  "data-testid": "stop-up",
                  disabled: i === 0,
                  "aria-label": t("field.moveUp", { title: stop.title }),
                  onclick: () => moved(i - 1),
                },
                "↑",
              ),
              el(
                "button",
                {
                  type: "button",
                  "data-testid": "stop-down",
                  disabled: i === stops.length - 1,
                  "aria-label": t("field.moveDown", { title: stop.title }),
                  onclick: () => moved(i + 1),
                },
                "↓",
              ),
              el(
                "button",
                {
                  type: "button",
                  class: "danger small",
                  "data-testid": "stop-remove",
                  "aria-label": t("field.removeStop", { title: stop.title }),
                  onclick: () => setItinerary(stops.filter((s) => s.id !== stop.id)),
                },
                "×",
              ),
            )
          : null,
      );
    });
    replaceChildren(stopsList, ...(items.length ? items : [el("li", { class: "empty" }, t("field.noStops"))]));
    // The editor exists only while the panel is open: a closed <details>
    // still lays out its content in Chromium, off the map's corner.
    if (!panel.open) {
      editor.replaceChildren();
      return;
    }
    if (!facilitator || editor.childElementCount) return;
    const title = el("input", {
      name: "stop-title",
      "data-testid": "stop-title",
      maxlength: 200,
      "aria-label": t("field.stopTitle"),
      placeholder: t("field.stopTitle"),
    });
    editor.append(
      el(
        "form",
        {
          class: "row",
          onsubmit: (e: Event) => {
            e.preventDefault();
            const text = title.value.trim();
            if (!text) return;
            title.value = "";
            const centre = map.map.getCenter().wrap();
            setItinerary([
              ...app.client.replica.state.itinerary,
              { id: "s-" + randomId(6), title: text, position: { lon: centre.lng, lat: centre.lat } },
            ]);
          },
        },
        title,
        el("button", { type: "submit", "data-testid": "add-stop" }, t("field.addStop")),
      ),
    );
  };

  void schedule;
  return {
    render() {
      renderItinerary();
      // A note a reloaded page's SDK sent while the question was open.
      const asked = placement.featureId;
      if (asked && app.client.replica.state.features.has(asked)) placement.dismiss();
    },
  };
}
