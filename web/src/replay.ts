// The replay: a time-lapse of the room from its log. A slider over the
// room's steps (its seqs, 1 to now), "Play", which walks through them, and
// a moment by the clock; the server rebuilds the room as it was then
// (GetStateAt, by seq or by time) and a second map, in place of the live
// one, shows it. The replay is read-only
// and says so; "Back to live" brings the live map back as it was (its view,
// an open popup, a tool half-used). Only one rebuild is asked for at a time
// (the server folds a few at once and refuses more), the newest position
// wins, so dragging the slider never queues a backlog.
import * as L from "leaflet";

import { FeatureKind, type MaptableClient, type RoomReplica } from "@maptable/client";

import type { AppConfig } from "./app_config.js";
import type { AppContext } from "./context.js";
import { byId, clockTime, el, replaceChildren } from "./dom.js";
import { clusterGroup } from "./cluster_layer.js";
import { FeatureLayers } from "./feature_layers.js";
import { safeColour } from "./geometry.js";
import { t, type MessageKey } from "./i18n/index.js";
import type { MapView } from "./map_view.js";
import { newMap } from "./motion.js";
import { roomTime, roomZoneOf } from "./room_info.js";
import { notifyRefusal } from "./status.js";

// How long Play shows each step: long enough to see a change land.
const playStepMs = 700;

export class Replay {
  private readonly bar = byId("replay-bar");
  private readonly slider = el("input", {
    type: "range",
    min: 1,
    step: 1,
    "data-testid": "replay-slider",
    "aria-label": t("replay.slider"),
  });
  private readonly where = el("span", { class: "replay-where", "data-testid": "replay-where", "aria-live": "polite" });
  private readonly playButton = el("button", { type: "button", "data-testid": "replay-play" }, t("replay.play"));
  private readonly container = byId("replay-map");
  private map: L.Map | undefined;
  private layers: FeatureLayers | undefined;
  private shown: RoomReplica | undefined;
  private wanted = 0n; // the step to show next
  private asking = false; // a rebuild is on its way
  private playing: ReturnType<typeof setInterval> | undefined;
  private popupFeature = "";

  constructor(
    private readonly app: AppContext,
    private readonly live: MapView,
    private readonly config: AppConfig,
  ) {
    const back = el("button", { type: "button", "data-testid": "replay-leave", class: "active" }, t("replay.leave"));
    const stepBy = (delta: number) =>
      el(
        "button",
        {
          type: "button",
          "aria-label": t(delta < 0 ? "replay.back" : "replay.forward"),
          title: t(delta < 0 ? "replay.back" : "replay.forward"),
          "data-testid": delta < 0 ? "replay-back" : "replay-forward",
          class: "replay-step",
          onclick: () => this.go(BigInt(Math.max(1, Number(this.slider.value) + delta))),
        },
        delta < 0 ? "◀" : "▶",
      );
    // A moment by the clock (the room's last event at or before it), for "how did it look at the break?".
    const moment = el("input", {
      type: "datetime-local",
      step: "0.001",
      "data-testid": "replay-time",
      "aria-label": t("replay.atTime"),
    });
    const goToTime = el(
      "form",
      { class: "row replay-time" },
      moment,
      el("button", { type: "submit" }, t("replay.goToTime")),
    );
    goToTime.addEventListener("submit", (e) => {
      e.preventDefault();
      const ms = new Date(moment.value).getTime();
      if (Number.isFinite(ms)) void this.goToTime(ms);
    });
    replaceChildren(
      this.bar,
      el("strong", { class: "replay-title" }, t("replay.title")),
      el(
        "div",
        { class: "row wrap replay-controls" },
        this.playButton,
        stepBy(-1),
        this.slider,
        stepBy(1),
        this.where,
        goToTime,
        back,
      ),
    );
    this.slider.addEventListener("input", () => this.go(BigInt(this.slider.value)));
    this.playButton.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    back.addEventListener("click", () => this.leave());
    this.bar.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.leave();
    });
    const open = byId("replay-open");
    open.addEventListener("click", () => (this.active ? this.leave() : this.enter()));
    open.hidden = false; // hidden on the join page, where there is no room yet
  }

  get active(): boolean {
    return !this.bar.hidden;
  }

  // Opens the replay at the present; the slider then goes back from there.
  enter(): void {
    const now = this.app.client.replica.state.seq;
    this.bar.hidden = false;
    byId("replay-open").setAttribute("aria-pressed", "true");
    document.body.dataset.mode = "replay";
    // Nothing on the live side can be changed from here: the toolbar rests.
    for (const node of document.querySelectorAll<HTMLElement>(".toolbar")) node.inert = true;
    this.container.hidden = false;
    byId("map").hidden = true;
    if (!this.map) this.makeMap();
    this.map!.invalidateSize({ pan: false });
    this.map!.setView(this.live.map.getCenter(), this.live.map.getZoom(), { animate: false });
    this.render();
    this.slider.value = String(now);
    this.go(now);
    this.slider.focus();
  }

  leave(): void {
    if (!this.active) return;
    this.pause();
    this.bar.hidden = true;
    byId("replay-open").setAttribute("aria-pressed", "false");
    delete document.body.dataset.mode;
    // An archived room's tools stay at rest.
    for (const node of document.querySelectorAll<HTMLElement>(".toolbar"))
      node.inert = this.app.client.replica.state.archived;
    this.container.hidden = true;
    // The past leaves nothing behind: the next replay starts afresh.
    this.map?.remove();
    this.map = undefined;
    this.layers = undefined;
    this.shown = undefined;
    delete this.container.dataset.seq;
    byId("map").hidden = false;
    this.live.map.invalidateSize({ pan: false });
    byId("replay-open").focus();
  }

  // Keeps the slider's end at the room's present while the room goes on.
  render(): void {
    if (!this.active) return;
    this.slider.max = String(this.app.client.replica.state.seq);
  }

  private play(): void {
    if (Number(this.slider.value) >= Number(this.slider.max)) this.go(1n);
    this.playButton.textContent = t("replay.pause");
    this.playButton.setAttribute("aria-pressed", "true");
    this.playing = setInterval(() => {
      if (this.asking) return; // the step before is still being rebuilt
      const next = Number(this.slider.value) + 1;
      if (next > Number(this.slider.max)) return this.pause();
      this.go(BigInt(next));
    }, playStepMs);
  }

  private pause(): void {
    if (this.playing) clearInterval(this.playing);
    this.playing = undefined;
    this.playButton.textContent = t("replay.play");
    this.playButton.setAttribute("aria-pressed", "false");
  }

  private go(seq: bigint): void {
    const max = BigInt(this.slider.max || "1");
    this.wanted = seq > max ? max : seq;
    this.slider.value = String(this.wanted);
    this.slider.setAttribute("aria-valuetext", t("replay.step", { step: Number(this.wanted), total: Number(max) }));
    void this.fetch();
  }

  private async fetch(): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    try {
      while (this.active && this.wanted !== this.shown?.seq) {
        const seq = this.wanted;
        const result = await this.app.client.stateAtSeq(seq);
        if (!result.ok) {
          notifyRefusal(t("action.replay"), result);
          this.pause();
          return;
        }
        if (!this.active) return;
        this.show(result.state);
        if (this.wanted === seq) break;
      }
    } finally {
      this.asking = false;
    }
  }

  // The room as it was at a moment of this page's clock, in server time
  // (the server dates its log by its own clock).
  private async goToTime(localMs: number): Promise<void> {
    this.pause();
    const result = await this.app.client.stateAtTime(BigInt(Math.round(localMs + this.app.client.serverClockOffsetMs)));
    if (!this.active) return;
    if (!result.ok) {
      notifyRefusal(t("action.replay"), result);
      return;
    }
    const seq = result.state.state.seq;
    this.wanted = seq;
    this.slider.value = String(seq);
    this.slider.setAttribute("aria-valuetext", t("replay.step", { step: Number(seq), total: Number(this.slider.max) }));
    this.show(result.state);
  }

  private show(replica: RoomReplica): void {
    this.shown = replica;
    const state = replica.state;
    // The room's newest dated thing at that step, as a hint of when it was.
    let last = 0;
    for (const m of state.recentChat) last = Math.max(last, Number(m.timeMs));
    for (const th of state.threads.values()) for (const c of th.comments) last = Math.max(last, Number(c.timeMs));
    for (const s of state.sessions) last = Math.max(last, Number(s.startedMs), Number(s.endedMs));
    const total = Number(this.slider.max);
    replaceChildren(
      this.where,
      t("replay.step", { step: Number(state.seq), total }),
      " · ",
      t("replay.features", { count: state.features.size }),
      ", ",
      t("replay.messages", { count: state.recentChat.length }),
      last ? ` · ${t("replay.lastActivity", { time: this.timeOf(last) })}` : "",
    );
    this.container.dataset.seq = String(state.seq);
    this.layers!.render({ replica, pendingCommands: [] } as unknown as MaptableClient, () => false);
    // A feature that is not there at this step takes its popup along.
    if (this.popupFeature && !state.features.has(this.popupFeature)) this.map?.closePopup();
  }

  // A time on the slider's line: in the room's zone (as it is now, not as
  // it was at that step: people read the past in the zone they meet in)
  // and the reader's; the reader's alone when the room has none.
  private timeOf(ms: number): string {
    const zone = roomZoneOf(this.app.client.replica.state.info);
    return zone ? roomTime(ms, zone) : clockTime(ms);
  }

  private makeMap(): void {
    const map = newMap(this.container, {
      zoomControl: true,
      attributionControl: true,
    });
    map.attributionControl.setPrefix(false);
    if (this.config.tileUrl)
      L.tileLayer(this.config.tileUrl, {
        attribution: this.config.tileAttribution,
        maxZoom: 19,
        crossOrigin: false,
      }).addTo(map);
    else this.container.classList.add("no-tiles");
    // The features of a past moment, each as itself (the live map gathers
    // crowded markers; a moment is looked at feature by feature).
    const clusters = clusterGroup({ apart: true });
    clusters.addTo(map);
    this.layers = new FeatureLayers(map, clusters, {
      open: (id) => this.describe(id),
      moved: () => {},
      dots: () => 0,
      shows: () => true,
    });
    this.map = map;
  }

  // A replayed feature opens as text only: nothing in the past can be edited.
  private describe(id: string): void {
    const feature = this.shown?.findFeature(id);
    if (!feature || !this.map) return;
    const kind = t(
      `kind.${FeatureKind[feature.geometry?.kind ?? FeatureKind.POINT]?.toLowerCase() ?? "point"}` as MessageKey,
    );
    const body = el(
      "div",
      { class: "feature-popup replay-popup", "data-testid": "replay-popup" },
      el("strong", {}, feature.title || kind),
      el("div", { class: "meta" }, t("popup.by", { kind, name: feature.authorName || feature.authorId })),
      feature.description ? el("p", {}, feature.description) : null,
      el("p", { class: "muted-text" }, t("replay.readOnly")),
    );
    body.style.borderInlineStart = `4px solid ${safeColour(feature.colour)}`;
    const at = feature.geometry?.positions[0];
    if (!at) return;
    this.popupFeature = id;
    L.popup().setLatLng([at.lat, at.lon]).setContent(body).openOn(this.map);
  }
}
