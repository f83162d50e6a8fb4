// The room at a glance, for everyone: its title, what it is about, its city,
// how much is in it (features, discussions, messages, people online) and its
// sessions with their dates in the reader's time zone (named, so people in
// other zones read the times right). And the archive: an archived room is
// read-only (the server refuses every change), which a banner says on every
// page, with who can reopen it: archiving is the server administrator's
// (the admin API), not a facilitator's.
import type { AppContext } from "./context.js";
import { byId, dateTime, el, replaceChildren, timeZone } from "./dom.js";
import { t } from "./i18n/index.js";

export class RoomInfoPanel {
  private readonly panel = byId("room-info");
  private readonly body = el("div", { class: "room-info-body" });
  private readonly banner = byId("archived-banner");
  private shown = "";

  constructor(private readonly app: AppContext) {
    const open = byId("room-info-open");
    open.hidden = false; // hidden on the join page, where there is no room yet
    const close = el(
      "button",
      { type: "button", class: "close", "data-testid": "room-info-close", "aria-label": t("info.close") },
      "×",
    );
    this.panel.append(close, this.body);
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
    const key = `${state.seq}:${this.app.client.online.length}`;
    if (key === this.shown) return;
    this.shown = key;
    const info = state.info;
    const comments = [...state.threads.values()].reduce((n, th) => n + th.comments.filter((c) => !c.deleted).length, 0);
    const zone = timeZone();
    const sessions = state.sessions.map((s) =>
      el(
        "li",
        { "data-testid": "info-session" },
        el("strong", {}, s.title || t("info.untitledSession")),
        " ",
        s.endedMs
          ? t("info.sessionFromTo", { start: dateTime(s.startedMs), end: dateTime(s.endedMs) })
          : t("info.sessionSince", { start: dateTime(s.startedMs) }),
      ),
    );
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
      el("h3", {}, t("info.sessions")),
      sessions.length
        ? el("ul", { class: "room-info-sessions" }, ...sessions)
        : el("p", { class: "muted-text" }, t("info.noSessions")),
      el("p", { class: "muted-text", "data-testid": "info-time-zone" }, t("info.timeZone", { zone })),
    );
  }
}
