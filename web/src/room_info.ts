// The room at a glance, for everyone: its title, what it is about, its city,
// how much is in it (features, discussions, messages, people online) and its
// sessions with their dates in the room's own time zone and, where that
// reads differently, in the reader's ("14:00 Lisbon · 15:00 your time"), so
// partners on several continents agree on when they meet. A facilitator
// picks the room's zone here from the browser's list of zones. And the
// archive: an archived room is read-only (the server refuses every change),
// which a banner says on every page, with who can reopen it: archiving is
// the server administrator's (the admin API), not a facilitator's.
import type { RoomInfo } from "@maptable/client";

import type { AppContext } from "./context.js";
import { byId, dateTime, el, replaceChildren, timeZone } from "./dom.js";
import { language, t } from "./i18n/index.js";

// ---------------------------------------------------------------- times in the room's zone

// Whether this browser can format times in zone (an IANA name). A zone it
// does not know (an older tz database, a name from a newer one) makes
// Intl.DateTimeFormat throw: asked here once per name, never at a display.
const zoneKnown = new Map<string, boolean>();
export function isKnownZone(zone: string): boolean {
  let known = zoneKnown.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    zoneKnown.set(zone, known);
  }
  return known;
}

// The zones a facilitator may pick from, as this browser lists them.
export function zoneNames(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const names = supported ? supported("timeZone") : [];
  return names.includes("UTC") ? names : [...names, "UTC"];
}

// How a zone is named beside a time: its place ("Europe/Lisbon" -> "Lisbon",
// "America/Argentina/Buenos_Aires" -> "Buenos Aires"); "UTC" as it is.
export function zonePlace(zone: string): string {
  return (zone.split("/").pop() ?? zone).replace(/_/g, " ");
}

// The room's zone, "" when none is set.
export function roomZoneOf(info: Pick<RoomInfo, "timeZone"> | undefined): string {
  return info?.timeZone ?? "";
}

function format(ms: number, zone: string | undefined, withDate: boolean): string {
  return new Intl.DateTimeFormat(language(), {
    ...(withDate ? { dateStyle: "medium" } : {}),
    timeStyle: "short",
    ...(zone ? { timeZone: zone } : {}),
  }).format(new Date(ms));
}

// A moment as the room reads it and, when the reader's clock shows it
// differently, as the reader does: "14:00 Lisbon · 15:00 your time"; with
// withDate the dates too. No zone set: the reader's time with its zone's
// short name (as before rooms had zones). A zone this browser does not
// know: the reader's time, with a note naming the room's zone.
export function roomTime(ms: bigint | number, zone: string, withDate = false): string {
  const at = Number(ms);
  if (!zone) return withDate ? dateTime(at) : format(at, undefined, false) + " " + zoneShortName(at);
  if (!isKnownZone(zone)) return t("tz.unknownZone", { local: format(at, undefined, withDate), zone });
  const room = format(at, zone, withDate);
  const local = format(at, undefined, withDate);
  if (room === local) return t("tz.roomOnly", { room, place: zonePlace(zone) });
  return t("tz.both", { room, place: zonePlace(zone), local });
}

function zoneShortName(ms: number): string {
  const parts = new Intl.DateTimeFormat(language(), { timeZoneName: "short" }).formatToParts(new Date(ms));
  return parts.find((p) => p.type === "timeZoneName")?.value ?? "";
}

// ---------------------------------------------------------------- the facilitator's zone picker

// A text box over the browser's zones (a datalist: type "Lis" and pick
// Europe/Lisbon), kept out of the panel's body so that events arriving while
// someone types do not rebuild it under their fingers.
class ZonePicker {
  readonly node: HTMLFormElement;
  private readonly input: HTMLInputElement;
  private readonly note: HTMLElement;

  constructor(private readonly app: AppContext) {
    const list = el("datalist", { id: "time-zone-options" });
    for (const name of zoneNames()) list.append(el("option", { value: name }));
    this.input = el("input", {
      id: "time-zone-input",
      type: "text",
      list: "time-zone-options",
      autocomplete: "off",
      spellcheck: "false",
      "data-testid": "time-zone-input",
    });
    this.note = el("p", { class: "muted-text", role: "status", "data-testid": "time-zone-note" });
    const label = el("label", { for: "time-zone-input" }, t("tz.pick"));
    const hint = el("span", { class: "muted-text", id: "time-zone-hint" }, t("tz.hint"));
    this.input.setAttribute("aria-describedby", "time-zone-hint");
    this.node = el(
      "form",
      { class: "time-zone-picker", "data-testid": "time-zone-picker", "aria-label": t("tz.pick") },
      label,
      " ",
      hint,
      el(
        "div",
        { class: "row" },
        this.input,
        list,
        el("button", { type: "submit", "data-testid": "time-zone-set" }, t("tz.set")),
        el(
          "button",
          { type: "button", "data-testid": "time-zone-clear", onclick: () => void this.send("") },
          t("tz.clear"),
        ),
      ),
      this.note,
    );
    this.node.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.send(this.input.value.trim());
    });
  }

  // Shown to facilitators only; the box follows the room's zone unless it
  // is being edited.
  update(zone: string): void {
    this.node.hidden = !this.app.isFacilitator();
    if (document.activeElement !== this.input) this.input.value = zone;
  }

  private async send(zone: string): Promise<void> {
    // Only a zone this browser can show is offered: a typo never reaches
    // the room, where every reader would see a zone nobody can read.
    if (zone && !isKnownZone(zone)) {
      this.note.textContent = t("tz.notAZone", { zone });
      return;
    }
    this.note.textContent = "";
    const result = await this.app.run(t("tz.action"), this.app.client.updateRoomInfo({ timeZone: zone }));
    if (result.ok) {
      this.input.value = zone;
      this.note.textContent = zone ? t("tz.setTo", { zone }) : t("tz.cleared");
    }
  }
}

export class RoomInfoPanel {
  private readonly panel = byId("room-info");
  private readonly body = el("div", { class: "room-info-body" });
  private readonly banner = byId("archived-banner");
  private readonly picker: ZonePicker;
  private shown = "";

  constructor(private readonly app: AppContext) {
    const open = byId("room-info-open");
    open.hidden = false; // hidden on the join page, where there is no room yet
    const close = el(
      "button",
      { type: "button", class: "close", "data-testid": "room-info-close", "aria-label": t("info.close") },
      "×",
    );
    this.picker = new ZonePicker(app);
    this.panel.append(close, this.body, this.picker.node);
    open.addEventListener("click", () => this.toggle(this.panel.hidden));
    close.addEventListener("click", () => this.toggle(false));
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.toggle(false);
    });
  }

  private toggle(show: boolean): void {
    this.panel.hidden = !show;
    byId("room-info-open").setAttribute("aria-expanded", String(show));
    if (show) {
      // On a phone the map would have no room left under the info and an open sheet: the sheet closes.
      const sheet = document.querySelector<HTMLElement>(".sidebar");
      if (sheet && window.matchMedia("(max-width: 767px)").matches) sheet.dataset.sheet = "closed";
      this.shown = "";
      this.render();
      this.panel.focus();
    } else {
      byId("room-info-open").focus();
    }
  }

  render(): void {
    const state = this.app.client.replica.state;
    const archived = state.archived;
    this.banner.hidden = !archived;
    if (archived && !this.banner.textContent)
      this.banner.textContent = `${t("info.archivedBanner")} ${t("info.whoArchives")}`;
    document.body.classList.toggle("archived", archived);
    // Nothing can change in an archived room: the drawing tools and the chat box rest.
    for (const node of document.querySelectorAll<HTMLElement>(".toolbar, .chat-form")) {
      if (document.body.dataset.mode === "replay" && node.classList.contains("toolbar")) continue;
      node.inert = archived;
    }
    if (this.panel.hidden) return;
    const key = `${state.seq}:${this.app.client.online.length}:${language()}`;
    if (key === this.shown) return;
    this.shown = key;
    const info = state.info;
    const comments = [...state.threads.values()].reduce((n, th) => n + th.comments.filter((c) => !c.deleted).length, 0);
    const zone = timeZone();
    const roomZone = roomZoneOf(info);
    this.picker.update(roomZone);
    const sessions = state.sessions.map((s) =>
      el(
        "li",
        { "data-testid": "info-session" },
        el("strong", {}, s.title || t("info.untitledSession")),
        " ",
        s.endedMs
          ? t("info.sessionFromTo", {
              start: roomTime(s.startedMs, roomZone, true),
              end: roomTime(s.endedMs, roomZone, true),
            })
          : t("info.sessionSince", { start: roomTime(s.startedMs, roomZone, true) }),
      ),
    );
    const zoneNote = !roomZone
      ? t("info.timeZone", { zone })
      : isKnownZone(roomZone)
        ? t("tz.shownIn", { room: roomZone, zone })
        : t("tz.unknownNote", { room: roomZone, zone });
    const row = (label: string, value: string | HTMLElement, id: string) => [
      el("dt", {}, label),
      el("dd", { "data-testid": `info-${id}` }, value),
    ];
    replaceChildren(
      this.body,
      el("h2", { id: "room-info-heading" }, info.title || info.id),
      info.description ? el("p", { "data-testid": "info-description" }, info.description) : null,
      el(
        "dl",
        { class: "room-info-facts" },
        ...(info.city ? row(t("info.city"), info.city, "city") : []),
        ...row(t("info.room"), info.id, "id"),
        ...row(t("tz.roomZone"), roomZone || t("tz.none"), "room-time-zone"),
        ...row(t("info.features"), String(state.features.size), "features"),
        ...row(
          t("info.comments"),
          t("info.commentCount", { count: comments }) + " " + t("info.threadCount", { count: state.threads.size }),
          "comments",
        ),
        ...row(t("info.messages"), String(state.recentChat.filter((m) => !m.deleted).length), "messages"),
        ...row(t("info.online"), String(this.app.client.online.length), "online"),
        ...row(t("info.status"), archived ? t("info.archived") : t("info.open"), "status"),
      ),
      el(
        "p",
        { class: "muted-text", "data-testid": "info-archive-note" },
        archived ? t("info.archivedBanner") : "",
        " ",
        t("info.whoArchives"),
      ),
      this.app.isFacilitator() ? this.archiveButton(archived, info.title || info.id) : null,
      el("h3", {}, t("info.sessions")),
      sessions.length
        ? el("ul", { class: "room-info-sessions" }, ...sessions)
        : el("p", { class: "muted-text" }, t("info.noSessions")),
      el("p", { class: "muted-text", "data-testid": "info-time-zone" }, zoneNote),
    );
  }

  // Archive (asked first: nobody can change anything after) or reopen.
  private archiveButton(archived: boolean, title: string): HTMLElement {
    return el(
      "button",
      {
        type: "button",
        "data-testid": archived ? "reopen-room" : "archive-room",
        onclick: () => {
          if (!archived && !confirm(t("info.confirmArchive", { title }))) return;
          void this.app.run(
            t(archived ? "action.reopenRoom" : "action.archiveRoom"),
            this.app.client.command({ case: "archiveRoom", value: { archived: !archived } }),
          );
        },
      },
      t(archived ? "info.reopenRoom" : "info.archiveRoom"),
    );
  }
}
