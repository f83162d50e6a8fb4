// Two rooms side by side (#compare=<left room>,<right room>&token=<jwt>, a
// network invitation for both, or one token per side): for example the host
// city's living lab next to the visitor's, with linked or unlinked views.
// Each side is its own connection and keeps its own permissions: the server
// gives the role per room (a city's member is a participant in their own
// living lab and, unless the network says otherwise, an observer in the
// others), and one side that cannot connect leaves the other working.
import {
  ErrorCode,
  FeatureKind,
  MaptableClient,
  MaptableError,
  Role,
  randomId,
  type ConnectionState,
  type WebSocketLike,
} from "@maptable/client";

import type { AppConfig } from "./app_config.js";
import { roomLink, storeCompareLink, takeCompareLink, type CompareLink } from "./compare_link.js";
import { CompareMap } from "./compare_map.js";
import "./compare.css";
import { roleLabel } from "./context.js";
import { byId, el } from "./dom.js";
import { errorText, t } from "./i18n/index.js";
import { tokenClaims } from "./invite.js";

// The browser's WebSocket, except while the browser says it is offline (as
// on the room page: the client keeps retrying with backoff until it is back).
function webSocketFactory(): (url: string) => WebSocketLike {
  const Native = window.WebSocket;
  return (url) => {
    if (!navigator.onLine) throw new Error("the browser is offline");
    return new Native(url) as unknown as WebSocketLike;
  };
}

// What a side's connection shows, in the words of the top bar's status.
function connectionText(state: ConnectionState, pending: number, online: boolean): string {
  if (state === "closed") return t("connection.closed");
  if (!online) return t("connection.offline", { count: pending });
  if (state === "connected") return pending ? t("connection.sending", { count: pending }) : t("connection.connected");
  if (state === "reconnecting") return t("connection.reconnecting", { count: pending });
  return t("connection.connecting");
}

let sideCount = 0;

// One room of the comparison: its heading, the role the server gave, its
// connection, "Add a note here", "Open this room", and its map.
class Side {
  readonly client: MaptableClient;
  readonly map: CompareMap;
  readonly section: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly role = el("p", { class: "compare-role", "data-testid": "compare-role" });
  private readonly connection = el("span", {
    class: "compare-connection connection",
    "data-testid": "compare-connection",
    "data-state": "connecting",
    role: "status",
  });
  private readonly noteInput: HTMLInputElement;
  private readonly noteButton: HTMLButtonElement;
  private readonly reason: HTMLElement;
  private readonly message = el("p", { class: "compare-message", "data-testid": "compare-message", role: "status" });
  private readonly mapNode: HTMLElement;
  private refusal = "";
  private scheduled = false;

  constructor(
    readonly room: string,
    readonly token: string,
    config: AppConfig,
    private readonly changed: () => void,
  ) {
    const n = ++sideCount;
    const ids = { title: `compare-${n}-title`, note: `compare-${n}-note`, reason: `compare-${n}-reason` };
    this.heading = el("h2", { id: ids.title, class: "compare-title", "data-testid": "compare-title" }, room);
    this.noteInput = el("input", {
      id: ids.note,
      type: "text",
      maxlength: 200,
      "data-testid": "compare-note-text",
      "aria-describedby": ids.reason,
    });
    this.noteButton = el(
      "button",
      { type: "submit", "data-testid": "compare-add-note", "aria-describedby": ids.reason },
      t("compare.addNote"),
    );
    this.reason = el("p", { id: ids.reason, class: "compare-reason", "data-testid": "compare-note-reason" });
    const form = el(
      "form",
      { class: "compare-note" },
      el("label", { for: ids.note }, t("compare.noteLabel")),
      this.noteInput,
      this.noteButton,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.addNote();
    });
    const open = el(
      "a",
      { href: roomLink(room, token), class: "compare-open", "data-testid": "compare-open-room" },
      t("compare.openRoom"),
    );
    this.mapNode = el("div", { class: "compare-map map", "data-testid": "compare-map", role: "region" });
    this.section = el(
      "section",
      { class: "compare-side", "data-testid": "compare-side", "data-room": room, "aria-labelledby": ids.title },
      el(
        "div",
        { class: "compare-side-head" },
        el("div", { class: "compare-heading-row" }, this.heading, this.connection),
        el("div", { class: "compare-heading-row" }, this.role, open),
        form,
        el("div", { class: "compare-status-line" }, this.reason, this.message),
      ),
      this.mapNode,
    );
    this.client = new MaptableClient({
      url: config.wsUrl,
      roomId: room,
      token,
      reconnectMaxDelayMs: 3000,
      webSocket: webSocketFactory(),
    });
    this.map = new CompareMap(this.mapNode, config, this.client);
    const schedule = () => this.schedule();
    this.client.onEvent(schedule);
    this.client.onConnectionState(schedule);
    this.client.on("welcome", schedule);
    this.client.on("pendingCount", schedule);
    this.client.on("closed", schedule);
    this.client.on("error", (e) => this.say(t("notice.serverSays", { message: errorText(e.code) }), true));
  }

  get title(): string {
    const info = this.client.replica.state.info;
    return info.title || info.id || this.room;
  }

  async connect(): Promise<void> {
    try {
      await this.client.connect();
    } catch (error) {
      // A refusal in plain words (a token for another network, an expired
      // invitation); anything else (no server) as it came.
      const reason =
        error instanceof MaptableError && error.code !== ErrorCode.UNSPECIFIED
          ? errorText(error.code)
          : String(error instanceof Error ? error.message : error);
      this.refusal = t("compare.refused", { reason });
      this.say(this.refusal, true);
    }
    this.schedule();
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  render(): void {
    const client = this.client;
    const title = this.title;
    if (this.heading.textContent !== title) this.heading.textContent = title;
    this.mapNode.setAttribute("aria-label", t("compare.mapLabel", { room: title }));
    const me = client.me;
    this.section.dataset.role = me ? roleLabelKey(me.role) : "";
    const roleText = me
      ? t("compare.yourRole", { role: roleLabel(me.role) })
      : this.refusal
        ? ""
        : t("compare.joining");
    if (this.role.textContent !== roleText) this.role.textContent = roleText;
    // Only where the role allows drawing; elsewhere the reason, visibly.
    let why = "";
    if (client.state === "closed") why = t("compare.closedReason");
    else if (!me) why = t("compare.joining");
    else if (me.role === Role.OBSERVER) why = t("compare.observerReason");
    this.noteInput.disabled = why !== "";
    this.noteButton.disabled = why !== "";
    if (this.reason.textContent !== why) this.reason.textContent = why;
    const state = client.state;
    const text = connectionText(state, client.pendingCount, navigator.onLine);
    if (this.connection.textContent !== text) this.connection.textContent = text;
    this.connection.dataset.state = state === "closed" ? "closed" : navigator.onLine ? state : "offline";
    this.map.render();
    this.changed();
  }

  private say(text: string, error = false): void {
    this.message.textContent = text;
    this.message.classList.toggle("error", error);
  }

  // A note at the centre of this side's map, with the text typed; the server
  // decides (an observer's is refused there too, and the refusal shows).
  private async addNote(): Promise<void> {
    const text = this.noteInput.value.trim();
    if (!text) {
      this.say(t("compare.noteEmpty"), true);
      this.noteInput.focus();
      return;
    }
    const centre = this.map.map.getCenter().wrap();
    this.noteInput.value = "";
    this.say("");
    const result = await this.client.addFeature({
      id: `f-${randomId(6)}`,
      title: text.slice(0, 200),
      geometry: { kind: FeatureKind.NOTE, positions: [{ lon: centre.lng, lat: centre.lat }] },
    });
    if (result.ok) this.say(t("compare.noteAdded", { text }));
    else {
      this.say(t("compare.noteRefused", { reason: errorText(result.code) }), true);
      this.section.dataset.refused = ErrorCode[result.code] ?? String(result.code);
      // The text stays, for another try or to copy elsewhere.
      if (!this.noteInput.value) this.noteInput.value = text;
    }
  }
}

function roleLabelKey(role: Role): string {
  switch (role) {
    case Role.FACILITATOR:
      return "facilitator";
    case Role.OBSERVER:
      return "observer";
    default:
      return "participant";
  }
}

// The page: the controls (link views, swap) and the two sides.
class ComparePage {
  private readonly sides: [Side, Side];
  private readonly row = el("div", { class: "compare-sides" });
  private readonly linkBox: HTMLInputElement;
  private readonly linkState = el("p", { class: "compare-link-state", "data-testid": "compare-link-state" });
  private readonly announce = el("p", { class: "visually-hidden", role: "status", "data-testid": "compare-announce" });
  // Moves this page makes itself (following the other side, placing a map on
  // its room, a resize) are not the person's, and are not followed back.
  private following = false;

  constructor(
    private readonly page: HTMLElement,
    config: AppConfig,
    private link: CompareLink,
  ) {
    const changed = () => this.showConnection();
    this.sides = [
      new Side(link.left, link.leftToken, config, changed),
      new Side(link.right, link.rightToken, config, changed),
    ];
    this.linkBox = el("input", {
      type: "checkbox",
      id: "compare-link-views",
      role: "switch",
      checked: true,
      "data-testid": "compare-link-views",
      "aria-describedby": "compare-link-state",
    });
    this.linkState.id = "compare-link-state";
    this.linkBox.addEventListener("change", () => this.showLinkState());
    const swap = el("button", { type: "button", "data-testid": "compare-swap" }, t("compare.swap"));
    swap.addEventListener("click", () => this.swap());
    const controls = el(
      "div",
      { class: "compare-controls", role: "group", "aria-label": t("compare.controls") },
      el("label", { class: "compare-switch", for: "compare-link-views" }, this.linkBox, t("compare.link")),
      this.linkState,
      swap,
      this.announce,
    );
    this.row.append(...this.sides.map((s) => s.section));
    page.replaceChildren(controls, this.row);
    this.markSides();
    this.showLinkState();
    for (const side of this.sides) this.follow(side);
    // A room's link opened in this tab (the "Open this room" link, or one
    // pasted into the address bar) is another page: load it.
    window.addEventListener("hashchange", () => {
      if (location.hash.length > 1) location.reload();
    });
    window.addEventListener("offline", () => {
      for (const side of this.sides) {
        side.client.dropConnection();
        side.schedule();
      }
    });
    window.addEventListener("online", () => this.sides.forEach((s) => s.schedule()));
    // Changes the server has not confirmed yet live only in this page: the
    // browser asks before it is left.
    window.addEventListener("beforeunload", (e) => {
      if (this.sides.every((s) => s.client.pendingCount === 0)) return;
      e.preventDefault();
      e.returnValue = "";
    });
  }

  start(): void {
    const names = [...new Set(this.sides.map((s) => String(tokenClaims(s.token).name ?? "")).filter(Boolean))];
    byId("me").textContent = names.join(" · ");
    this.showConnection();
    for (const side of this.sides) void side.connect();
  }

  // While linked, a move of one side by the person brings the other to the
  // same centre and zoom. Only the person's moves: a side placed on its room
  // when it joins, or one resized, does not pull the other along.
  private follow(side: Side): void {
    const map = side.map.map;
    map.on("moveend", () => {
      if (this.following || !this.linkBox.checked || !side.map.placedOnRoom || side.map.movingItself) return;
      const other = this.sides.find((s) => s !== side)!;
      const centre = map.getCenter();
      const zoom = map.getZoom();
      const there = other.map.map;
      if (there.getZoom() === zoom && there.getCenter().equals(centre)) return;
      this.following = true;
      try {
        there.setView(centre, zoom, { animate: false });
      } finally {
        this.following = false;
      }
    });
  }

  private showLinkState(): void {
    const text = t(this.linkBox.checked ? "compare.linked" : "compare.unlinked");
    this.linkState.textContent = text;
    this.page.dataset.linked = String(this.linkBox.checked);
  }

  private swap(): void {
    this.sides.reverse();
    this.row.append(...this.sides.map((s) => s.section));
    const [first, second] = this.sides;
    this.link = { left: first.room, right: second.room, leftToken: first.token, rightToken: second.token };
    storeCompareLink(this.link);
    this.markSides();
    this.announce.textContent = t("compare.swapped", { left: first.title, right: second.title });
  }

  private markSides(): void {
    this.sides[0].section.dataset.side = "left";
    this.sides[1].section.dataset.side = "right";
  }

  // The top bar's status: connected when both sides are, else how many are.
  private showConnection(): void {
    const node = byId("connection");
    const states = this.sides.map((s) => s.client.state);
    const connected = states.filter((s) => s === "connected").length;
    let kind: string;
    let text: string;
    if (connected === states.length) {
      kind = navigator.onLine ? "connected" : "offline";
      text = t("connection.connected");
    } else {
      kind = states.every((s) => s === "closed") ? "closed" : connected > 0 ? "partial" : "connecting";
      text = t("compare.connectedCount", { count: connected, total: states.length });
    }
    if (node.textContent !== text) node.textContent = text;
    node.dataset.state = kind;
  }
}

// When the address asks for a comparison (or this tab showed one and is
// reloaded), shows it and answers true; otherwise false, and the room page
// starts as before.
export async function openCompare(config: () => Promise<AppConfig>): Promise<boolean> {
  const taken = takeCompareLink();
  if (!taken) return false;
  byId("join").hidden = true;
  byId("app").hidden = true;
  document.getElementById("network-home")?.setAttribute("hidden", "");
  const page = byId("compare");
  page.hidden = false;
  byId("room-title").textContent = t("compare.pageTitle");
  document.title = `${t("compare.pageTitle")} · maptable`;
  if (!taken.link) {
    page.replaceChildren(el("p", { class: "compare-bad-link error", role: "alert" }, t("compare.badLink")));
    byId("connection").textContent = t("connection.notJoined");
    byId("connection").dataset.state = "closed";
    return true;
  }
  new ComparePage(page, await config(), taken.link).start();
  return true;
}
