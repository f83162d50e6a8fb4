// The network home: the page a network invitation opens
// (#net=<network>&token=<jwt>): the member cities on a map, each city's
// living lab and the network's rooms with their last activity, the planned
// sessions (with an .ics to download), what is new since the last visit,
// the people by city and, for the network's facilitators, the harvest to
// download. Built from the member API (GET /v1/networks/{id} and its
// sessions.ics, changes and harvest), with the invitation as Bearer token.
// Each room opens with the same invitation: the server gives the role there.
import * as L from "leaflet";

import type { AppConfig } from "./app_config.js";
import { BaseMap, maxZoom } from "./base_map.js";
import type { AppContext } from "./context.js";
import { compareLink } from "./compare_link.js";
import { byId, dateTime, el, replaceChildren, saveFile } from "./dom.js";
import { errorText, language, t, type MessageKey } from "./i18n/index.js";
import { tokenClaims } from "./invite.js";
import { newMap } from "./motion.js";
import {
  fetchCalendar,
  fetchChanges,
  fetchHarvest,
  fetchNetwork,
  forgetNetworkInvite,
  harvestFormats,
  lastVisit,
  mayHarvest,
  MemberApiError,
  networkLink,
  roomLink,
  takeNetworkInvite,
  type HarvestFormat,
  type NetworkChanges,
  type NetworkCity,
  type NetworkInvite,
  type NetworkRoom,
  type NetworkState,
  type PlannedSession,
  type RoomChanges,
  type RoomKind,
  type Visit,
} from "./network_home_api.js";
import "./network_home.css";
import { roomTime } from "./room_info.js";

export interface RoomPart {
  render(): void;
}

// When the address is a network invitation (or this tab kept one), shows the
// network home and answers true; otherwise false, and the room page starts
// as before.
export async function openNetworkHome(config: () => Promise<AppConfig>): Promise<boolean> {
  const invite = takeNetworkInvite();
  if (!invite) return false;
  const home = new NetworkHome(byId("network-home"), invite, config);
  // An "Enter" link (or a link pasted into the address bar) changes only the
  // fragment: the page starts again for what it now names.
  window.addEventListener("hashchange", () => location.reload());
  await home.load();
  return true;
}

// In a room entered with a network invitation: the way back to the network
// home, in the top bar beside the room's own buttons.
export function mountNetworkLink(app: AppContext): RoomPart {
  const claims = tokenClaims(app.invite.token);
  const networkId = typeof claims.net === "string" ? claims.net : "";
  if (!networkId) return { render() {} };
  const href = networkLink(networkId, app.invite.token);
  const link = el(
    "a",
    { href, class: "topbar-button network-home-link", "data-testid": "network-home-link" },
    el("span", { "aria-hidden": "true" }, "⌂"),
    " ",
    el("span", { class: "label" }, t("network.backHome")),
  );
  // Only the fragment changes: the page must start again to show the home.
  link.addEventListener("click", (e) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // a new tab or window starts by itself
    e.preventDefault();
    location.hash = href;
    location.reload();
  });
  const anchor = document.getElementById("agenda-now");
  anchor?.parentElement?.insertBefore(link, anchor);
  return { render() {} };
}

// ---------------------------------------------------------------- the page

const kinds: { kind: RoomKind; label: MessageKey }[] = [
  { kind: "living_lab", label: "network.kind.living_lab" },
  { kind: "plenary", label: "network.kind.plenary" },
  { kind: "workshop", label: "network.kind.workshop" },
  { kind: "consultation", label: "network.kind.consultation" },
  { kind: "study_trip", label: "network.kind.study_trip" },
  { kind: "", label: "network.kind.other" },
];

// BaseMap follows a room's chosen background and lets a facilitator change
// it; the home belongs to no room: the server's default source, read only.
const noRoom = {
  isFacilitator: () => false,
  client: { replica: { state: { info: { baseMap: "" } } } },
} as unknown as AppContext;

class NetworkHome {
  private map: L.Map | undefined;

  constructor(
    private readonly main: HTMLElement,
    private readonly invite: NetworkInvite,
    private readonly config: () => Promise<AppConfig>,
  ) {}

  async load(): Promise<void> {
    byId("join").hidden = true;
    byId("app").hidden = true;
    this.main.hidden = false;
    this.showMe();
    this.status("loading");
    this.main.setAttribute("aria-busy", "true");
    replaceChildren(this.main, el("p", { class: "network-loading" }, t("network.loading")));
    let state: NetworkState;
    let config: AppConfig;
    try {
      [state, config] = await Promise.all([fetchNetwork(this.invite), this.config()]);
    } catch (error) {
      this.main.removeAttribute("aria-busy");
      this.showFailure(error);
      return;
    }
    const seenNow = Math.max(0, ...state.rooms.map((r) => r.last_activity_ms));
    const visit = lastVisit(this.invite, seenNow);
    this.show(state, config, visit);
    this.main.removeAttribute("aria-busy");
    this.status("loaded");
    if (visit) void this.loadNews(visit, state);
  }

  // The top bar's status (a live region from the page's start, so each
  // change is announced): loading, up to date, or not reached.
  private status(kind: "loading" | "loaded" | "unreachable" | "refused"): void {
    const node = byId("connection");
    const text =
      kind === "loading"
        ? t("network.loading")
        : kind === "loaded"
          ? t("network.loaded", {
              time: new Intl.DateTimeFormat(language(), { timeStyle: "short" }).format(new Date()),
            })
          : kind === "unreachable"
            ? t("network.status.unreachable")
            : t("network.status.refused");
    node.textContent = text;
    node.dataset.state = kind === "loading" ? "connecting" : kind === "loaded" ? "connected" : "closed";
  }

  private showMe(): void {
    byId("me").textContent = t("me", { name: this.invite.name, role: roleText(this.invite.role) });
  }

  // The refusal or the outage in plain words, with a way on: a new link for
  // a refused invitation (which is forgotten), "try again" for an outage.
  private showFailure(error: unknown): void {
    const failure = error instanceof MemberApiError ? error : new MemberApiError("server", 0, "", String(error));
    const unreachable = failure.kind === "unreachable";
    this.status(failure.kind === "refused" ? "refused" : "unreachable");
    let heading: string;
    let text: string;
    if (failure.kind === "refused") {
      heading = t("network.error.refusedHeading");
      text = failure.errorCode ? errorText(failure.errorCode) : t("network.error.refused");
      forgetNetworkInvite();
    } else if (unreachable) {
      heading = t("network.error.unreachableHeading");
      text = t("network.error.unreachable");
    } else {
      heading = t("network.error.serverHeading");
      text = t("network.error.server");
    }
    const retry =
      failure.kind !== "refused" &&
      el(
        "button",
        { type: "button", class: "network-retry", "data-testid": "network-retry" },
        t("network.error.tryAgain"),
      );
    if (retry) retry.addEventListener("click", () => void this.load());
    replaceChildren(
      this.main,
      el(
        "section",
        {
          class: "network-error",
          "data-testid": "network-error",
          "data-kind": failure.kind,
          "data-code": failure.code,
        },
        el("h2", {}, heading),
        el("p", { role: "alert" }, text),
        retry,
      ),
    );
    byId("room-title").textContent = "";
    document.title = "maptable";
  }

  private show(state: NetworkState, config: AppConfig, visit: Visit | undefined): void {
    const network = state.network;
    byId("room-title").textContent = network.title || network.id;
    document.title = `${network.title || network.id} · maptable`;
    const cities = [...state.cities].sort((a, b) => a.name.localeCompare(b.name, language()));
    const cityName = new Map(cities.map((c) => [c.id, c.name]));
    const mapBox = el("div", {
      class: "map network-map",
      "data-testid": "network-map",
      role: "region",
      "aria-label": t("network.mapLabel"),
    });
    replaceChildren(
      this.main,
      this.intro(state, cityName),
      el(
        "div",
        { class: "network-columns" },
        el(
          "div",
          { class: "network-side" },
          section("cities", t("network.cities"), mapBox, this.cityList(cities)),
          section("people", t("network.people"), this.people(state, cities)),
        ),
        el(
          "div",
          { class: "network-main" },
          section("news", t("network.news"), ...this.newsStart(visit)),
          section("sessions", t("network.sessions"), ...this.sessions(state)),
          section("rooms", t("network.rooms"), ...this.rooms(state, cityName), this.compareForm(state)),
          mayHarvest(this.invite) && section("harvest", t("network.harvest"), this.harvestForm(state)),
        ),
      ),
    );
    this.showMap(mapBox, cities, config);
  }

  private intro(state: NetworkState, cityName: Map<string, string>): HTMLElement {
    const n = state.network;
    const lines: (HTMLElement | false)[] = [
      !!n.theme && el("p", { class: "network-theme", "data-testid": "network-theme" }, n.theme),
      !!(n.starts_on || n.ends_on) &&
        el("p", { class: "muted-text" }, t("network.dates", { from: day(n.starts_on), to: day(n.ends_on) })),
      n.languages.length > 0 &&
        el("p", { class: "muted-text" }, t("network.languages", { languages: languageNames(n.languages) })),
      el(
        "p",
        { "data-testid": "network-you" },
        this.invite.cityId
          ? t("network.you", {
              name: this.invite.name,
              role: roleText(this.invite.role),
              city: cityName.get(this.invite.cityId) ?? this.invite.cityId,
            })
          : t("network.youNoCity", {
              name: this.invite.name,
              role: roleText(this.invite.role),
            }),
      ),
    ];
    return el("div", { class: "network-intro" }, ...lines);
  }

  // ------------------------------------------------------------ cities

  private cityList(cities: NetworkCity[]): HTMLElement {
    if (cities.length === 0) return el("p", { class: "muted-text" }, t("network.noCities"));
    return el(
      "ul",
      { class: "network-list network-cities" },
      ...cities.map((c) =>
        el(
          "li",
          { "data-testid": "network-city", "data-city": c.id, id: `network-city-${c.id}`, tabindex: "-1" },
          el("span", { class: "network-item-title" }, c.name),
          c.country && " ",
          c.country && el("span", { class: "muted-text" }, countryName(c.country)),
          el(
            "div",
            { "data-testid": "network-lab" },
            c.living_lab_title
              ? t("network.livingLab", { title: c.living_lab_title })
              : el("span", { class: "muted-text" }, t("network.noLivingLab")),
          ),
        ),
      ),
    );
  }

  // A marker per city at its position, its name written beside it (not
  // only on hover: the map is read at a glance); a click goes to the
  // city in the list. The markers take no focus: the list says the same.
  private showMap(box: HTMLElement, cities: NetworkCity[], config: AppConfig): void {
    this.map?.remove();
    const map = newMap(box, {
      zoomSnap: 0.25, // fit the cities closely: a whole zoom step can halve the map
      zoomControl: true,
      attributionControl: true,
      maxZoom,
      scrollWheelZoom: false, // the page scrolls; the map zooms with its buttons or a pinch
    });
    map.attributionControl.setPrefix(false);
    this.map = map;
    new BaseMap(map, box, config, noRoom).render();
    const points = cities.map((c) => L.latLng(c.position.lat, c.position.lon));
    if (points.length === 1) map.setView(points[0]!, 9);
    // Room on the end side for the names, and at the bottom for the
    // notice of a missing background, which would otherwise hide a city.
    else if (points.length > 1)
      map.fitBounds(L.latLngBounds(points), { paddingTopLeft: [30, 30], paddingBottomRight: [100, 70], maxZoom: 9 });
    else map.setView([20, 0], 2);
    cities.forEach((c, i) => {
      const label = el("span", { class: "city-marker-label", "data-testid": "city-marker", "data-city": c.id }, c.name);
      const icon = L.divIcon({ className: "city-marker", html: label, iconSize: [14, 14], iconAnchor: [7, 7] });
      const marker = L.marker(points[i]!, { icon, keyboard: false });
      marker.on("click", () => {
        const item = document.getElementById(`network-city-${c.id}`);
        item?.scrollIntoView({ block: "nearest" });
        item?.focus();
      });
      marker.addTo(map);
    });
  }

  private people(state: NetworkState, cities: NetworkCity[]): HTMLElement {
    const counts = new Map((state.people ?? []).map((p) => [p.city_id, p.count]));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    return el(
      "div",
      {},
      el("p", { "data-testid": "network-people-total" }, t("network.peopleTotal", { count: total })),
      el(
        "ul",
        { class: "network-list network-people" },
        ...cities.map((c) =>
          el(
            "li",
            { "data-testid": "network-people", "data-city": c.id },
            t("network.peopleOfCity", { city: c.name, count: counts.get(c.id) ?? 0 }),
          ),
        ),
      ),
    );
  }

  // ------------------------------------------------------------ rooms

  private rooms(state: NetworkState, cityName: Map<string, string>): HTMLElement[] {
    if (state.rooms.length === 0) return [el("p", { class: "muted-text" }, t("network.noRooms"))];
    const groups: HTMLElement[] = [];
    for (const { kind, label } of kinds) {
      const rooms = state.rooms
        .filter((r) => (r.kind || "") === kind || (kind === "" && !kinds.some((k) => k.kind === r.kind)))
        .sort((a, b) => b.last_activity_ms - a.last_activity_ms || a.title.localeCompare(b.title, language()));
      if (rooms.length === 0) continue;
      groups.push(
        el(
          "div",
          { class: "network-kind", "data-kind": kind || "other" },
          el("h3", {}, t(label)),
          el("ul", { class: "network-list" }, ...rooms.map((r) => this.room(r, cityName))),
        ),
      );
    }
    return groups;
  }

  private room(room: NetworkRoom, cityName: Map<string, string>): HTMLElement {
    const city = room.city_id ? (cityName.get(room.city_id) ?? room.city_id) : "";
    return el(
      "li",
      { class: "network-room", "data-testid": "network-room", "data-room": room.id },
      el(
        "div",
        { class: "network-room-text" },
        el("span", { class: "network-item-title" }, room.title || room.id),
        city && " ",
        city && el("span", { class: "muted-text" }, t("network.roomCity", { city })),
        el("div", {}, activity(room.last_activity_ms)),
      ),
      this.enter(room),
    );
  }

  // Two of the network's rooms side by side (the comparison page), with the
  // same invitation: each side gets the role the network gives there.
  private compareForm(state: NetworkState): HTMLElement | false {
    if (state.rooms.length < 2) return false;
    const rooms = [...state.rooms].sort((a, b) => (a.title || a.id).localeCompare(b.title || b.id, language()));
    const pick = (name: string, label: string, chosen: number) => {
      const select = el(
        "select",
        { name, "data-testid": `network-compare-${name}` },
        ...rooms.map((r, i) => el("option", { value: r.id, selected: i === chosen }, r.title || r.id)),
      ) as HTMLSelectElement;
      return { select, label: el("label", {}, label, " ", select) };
    };
    const left = pick("left", t("network.compareLeft"), 0);
    const right = pick("right", t("network.compareRight"), 1);
    const problem = el("p", { class: "error", role: "alert", "data-testid": "network-compare-error" });
    const form = el(
      "form",
      { class: "network-compare", "data-testid": "network-compare" },
      el("h3", {}, t("network.compareHeading")),
      left.label,
      right.label,
      el("button", { type: "submit" }, t("network.compareButton")),
      problem,
    ) as HTMLFormElement;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (left.select.value === right.select.value) {
        problem.textContent = t("network.compareSame");
        return;
      }
      const token = this.invite.token;
      // A change of fragment: the page starts again as the comparison.
      location.hash = compareLink({
        left: left.select.value,
        right: right.select.value,
        leftToken: token,
        rightToken: token,
      }).slice(1);
    });
    return form;
  }

  // The room with the same invitation; its name is part of the link's name,
  // so a list of "Enter" links still says where each goes.
  private enter(room: Pick<NetworkRoom, "id" | "title">): HTMLElement {
    return el(
      "a",
      {
        class: "network-enter",
        href: roomLink(room.id, this.invite.token),
        "data-testid": "network-enter",
        "data-room": room.id,
      },
      t("network.enter"),
      el("span", { class: "visually-hidden" }, " " + (room.title || room.id)),
    );
  }

  // ------------------------------------------------------------ planned sessions

  private sessions(state: NetworkState): HTMLElement[] {
    const download = el(
      "button",
      { type: "button", class: "network-download", "data-testid": "network-ics" },
      t("network.downloadIcs"),
    );
    const note = el("p", { class: "network-note", "data-testid": "network-ics-note", role: "status" });
    download.addEventListener("click", () => void this.downloadCalendar(download, note));
    if (state.sessions.length === 0) return [el("p", { class: "muted-text" }, t("network.noSessions"))];
    const now = Date.now();
    const rooms = new Map(state.rooms.map((r) => [r.id, r]));
    const sorted = [...state.sessions].sort((a, b) => a.starts_ms - b.starts_ms);
    const coming = sorted.filter((s) => s.ends_ms > now);
    const past = sorted.filter((s) => s.ends_ms <= now).reverse();
    const list = (items: PlannedSession[]) =>
      el("ul", { class: "network-list" }, ...items.map((s) => this.session(s, rooms.get(s.room_id))));
    const parts: HTMLElement[] = [
      coming.length > 0 ? list(coming) : el("p", { class: "muted-text" }, t("network.noComingSessions")),
    ];
    if (past.length > 0)
      parts.push(
        el(
          "details",
          { class: "network-past" },
          el("summary", {}, t("network.pastSessions", { count: past.length })),
          list(past),
        ),
      );
    parts.push(el("div", { class: "row wrap" }, download), note);
    return parts;
  }

  private session(session: PlannedSession, room: NetworkRoom | undefined): HTMLElement {
    const zone = session.time_zone;
    const sameDay = dayIn(session.starts_ms, zone) === dayIn(session.ends_ms, zone);
    return el(
      "li",
      { class: "network-session", "data-testid": "network-session", "data-session": session.id },
      el("span", { class: "network-item-title" }, session.title),
      el(
        "div",
        { "data-testid": "session-time" },
        el("time", { datetime: new Date(session.starts_ms).toISOString() }, roomTime(session.starts_ms, zone, true)),
      ),
      el(
        "div",
        { class: "muted-text", "data-testid": "session-end" },
        t("network.sessionUntil", { time: roomTime(session.ends_ms, zone, !sameDay) }),
      ),
      el(
        "div",
        { class: "network-session-room" },
        t("network.sessionRoom", { room: room?.title || session.room_id }),
        " ",
        room && this.enter(room),
      ),
      session.agenda.length > 0 &&
        el(
          "ol",
          { class: "network-agenda", "data-testid": "session-agenda", "aria-label": t("network.agenda") },
          ...session.agenda.map((point) => el("li", {}, point)),
        ),
    );
  }

  // The calendar comes with the invitation as Bearer token, so it cannot be
  // a plain link: fetched, then offered as a file.
  private async downloadCalendar(button: HTMLButtonElement, note: HTMLElement): Promise<void> {
    button.disabled = true;
    note.textContent = t("network.downloading");
    try {
      const { file, name } = await fetchCalendar(this.invite);
      saveFile(file, name);
      note.textContent = t("network.downloaded", { file: name });
      note.classList.remove("error");
    } catch (error) {
      note.textContent = failureText(error);
      note.classList.add("error");
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------ the harvest

  // The network's report over a period, for its facilitators: whole days
  // (UTC) from..to, by default from the network's start to today, in one of
  // the route's three formats. Like the calendar, fetched with the
  // invitation as Bearer token and offered as a file.
  private harvestForm(state: NetworkState): HTMLElement {
    const today = new Date().toISOString().slice(0, 10);
    const starts = state.network.starts_on;
    const from = el("input", {
      type: "date",
      name: "from",
      value: starts && starts <= today ? starts : "",
      "data-testid": "harvest-from",
    }) as HTMLInputElement;
    const to = el("input", { type: "date", name: "to", value: today, "data-testid": "harvest-to" }) as HTMLInputElement;
    const labels: Record<HarvestFormat, MessageKey> = {
      html: "network.harvestFormat.html",
      md: "network.harvestFormat.md",
      geojson: "network.harvestFormat.geojson",
    };
    const format = el(
      "select",
      { name: "format", "data-testid": "harvest-format" },
      ...harvestFormats.map((f) => el("option", { value: f }, t(labels[f]))),
    ) as HTMLSelectElement;
    const button = el("button", { type: "submit", "data-testid": "harvest-download" }, t("network.harvestDownload"));
    const note = el("p", { class: "network-note", "data-testid": "harvest-note", role: "status" });
    const form = el(
      "form",
      { class: "network-harvest", "data-testid": "network-harvest" },
      el("p", {}, t("network.harvestIntro")),
      el(
        "div",
        { class: "row wrap" },
        el("label", {}, t("network.harvestFrom"), " ", from),
        el("label", {}, t("network.harvestTo"), " ", to),
        el("label", {}, t("network.harvestFormat"), " ", format),
      ),
      el("div", { class: "row wrap" }, button),
      note,
    ) as HTMLFormElement;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.downloadHarvest(
        { from: from.value, to: to.value },
        format.value as HarvestFormat,
        button as HTMLButtonElement,
        note,
      );
    });
    return form;
  }

  private async downloadHarvest(
    range: { from: string; to: string },
    format: HarvestFormat,
    button: HTMLButtonElement,
    note: HTMLElement,
  ): Promise<void> {
    button.disabled = true;
    note.classList.remove("error");
    note.textContent = t("network.harvestPreparing");
    try {
      const { file, name } = await fetchHarvest(this.invite, range, format);
      saveFile(file, name);
      note.textContent = t("network.harvestDownloaded", { file: name });
    } catch (error) {
      note.textContent = harvestFailureText(error);
      note.classList.add("error");
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------ what is new

  private newsStart(visit: Visit | undefined): HTMLElement[] {
    if (!visit) return [el("p", { "data-testid": "network-news-first" }, t("network.firstVisit"))];
    return [
      el(
        "p",
        { "data-testid": "network-news-since" },
        t("network.lastVisit", { time: dateTime(visit.atMs), relative: relative(visit.atMs) }),
      ),
      el("p", { class: "network-news-body", "data-testid": "network-news-body" }, t("network.newsLoading")),
    ];
  }

  private async loadNews(visit: Visit, state: NetworkState): Promise<void> {
    const body = this.main.querySelector<HTMLElement>('[data-testid="network-news-body"]');
    if (!body) return;
    let changes: NetworkChanges;
    try {
      changes = await fetchChanges(this.invite, visit.seenMs);
    } catch (error) {
      body.replaceWith(
        el("p", { class: "error", role: "alert", "data-testid": "network-news-body" }, failureText(error)),
      );
      return;
    }
    const titles = new Map(state.rooms.map((r) => [r.id, r.title]));
    const rooms = changes.rooms.filter((r) => r.events > 0).sort((a, b) => b.events - a.events);
    if (rooms.length === 0) {
      body.replaceWith(el("p", { "data-testid": "network-news-body" }, t("network.nothingNew")));
      return;
    }
    body.replaceWith(
      el(
        "ul",
        { class: "network-list", "data-testid": "network-news-body" },
        ...rooms.map((r) =>
          el(
            "li",
            { "data-testid": "network-news-room", "data-room": r.id },
            el("span", { class: "network-item-title" }, r.title || titles.get(r.id) || r.id),
            " ",
            el("span", { "data-testid": "network-news-counts" }, changeText(r)),
            " ",
            this.enter({ id: r.id, title: r.title || titles.get(r.id) || r.id }),
          ),
        ),
      ),
    );
  }
}

// The invitation's role as people read it; a claim the app does not know
// reads as a participant (the server decides what it may do anyway).
function roleText(role: string): string {
  const known = role === "facilitator" || role === "observer" ? role : "participant";
  return t(`role.${known}`);
}

function section(name: string, heading: string, ...content: (HTMLElement | false)[]): HTMLElement {
  const id = `network-${name}-heading`;
  return el(
    "section",
    {
      class: `network-section network-section-${name}`,
      "data-testid": `network-${name}-section`,
      "aria-labelledby": id,
    },
    el("h2", { id }, heading),
    ...content,
  );
}

// "2 new features, 1 new thread, 1 decision": what counts, then the rest.
function changeText(r: RoomChanges): string {
  const parts: string[] = [];
  if (r.features_added) parts.push(t("network.newFeatures", { count: r.features_added }));
  if (r.threads_started) parts.push(t("network.newThreads", { count: r.threads_started }));
  if (r.votes_closed) parts.push(t("network.decisions", { count: r.votes_closed }));
  if (r.chat_messages) parts.push(t("network.chatMessages", { count: r.chat_messages }));
  const counted = r.features_added + r.threads_started + r.votes_closed + r.chat_messages;
  if (parts.length === 0) return t("network.otherChanges", { count: r.events });
  if (r.events > counted) parts.push(t("network.moreChanges", { count: r.events - counted }));
  return new Intl.ListFormat(language(), { style: "long", type: "conjunction" }).format(parts);
}

// The harvest route's refusals carry no protocol code, only their status:
// 400 is the period (the form sends only formats the route knows), 403 an
// invitation that is not a facilitator's to the whole network.
function harvestFailureText(error: unknown): string {
  if (error instanceof MemberApiError && error.kind === "refused") {
    if (error.status === 400) return t("network.harvestError.range");
    if (error.status === 403) return t("network.harvestError.forbidden");
    if (error.status === 404) return t("network.harvestError.notFound");
  }
  return failureText(error);
}

function failureText(error: unknown): string {
  if (error instanceof MemberApiError) {
    if (error.kind === "refused") return error.errorCode ? errorText(error.errorCode) : t("network.error.refused");
    if (error.kind === "unreachable") return t("network.error.unreachable");
  }
  return t("network.error.server");
}

// "Last activity 5 minutes ago (2 Dec 2026, 15:02 CET)" in a <time>.
function activity(ms: number): HTMLElement {
  if (!ms) return el("span", { class: "muted-text", "data-testid": "room-activity" }, t("network.noActivity"));
  return el(
    "time",
    { datetime: new Date(ms).toISOString(), "data-testid": "room-activity" },
    t("network.lastActivity", { relative: relative(ms), time: dateTime(ms) }),
  );
}

// "5 minutes ago", "yesterday", in the page's language. Only for moments
// past by the server's clock: one a little ahead of this computer's clock
// reads as now, never as "in 2 seconds".
function relative(ms: number): string {
  const seconds = Math.min(0, (ms - Date.now()) / 1000);
  const format = new Intl.RelativeTimeFormat(language(), { numeric: "auto" });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["year", 365 * 86400],
    ["month", 30 * 86400],
    ["week", 7 * 86400],
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ];
  for (const [unit, size] of units)
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  return format.format(0, "second");
}

// "2026-03-01" -> "1 Mar 2026" in the page's language; "" stays "…".
function day(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return text || "…";
  const at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeZone: "UTC" }).format(new Date(at));
}

// The calendar day of a moment in a zone (for "until 16:00" without a date).
function dayIn(ms: number, zone: string): string {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, dateStyle: "short" }).format(new Date(ms));
  } catch {
    return new Intl.DateTimeFormat("en-CA", { dateStyle: "short" }).format(new Date(ms));
  }
}

function displayName(type: "language" | "region", code: string): string {
  try {
    return new Intl.DisplayNames(language(), { type }).of(code) ?? code;
  } catch {
    return code;
  }
}

function languageNames(codes: string[]): string {
  return new Intl.ListFormat(language(), { style: "long", type: "conjunction" }).format(
    codes.map((c) => displayName("language", c)),
  );
}

function countryName(code: string): string {
  return displayName("region", code);
}
