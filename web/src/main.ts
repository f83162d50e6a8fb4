// The maptable web app: join the room of the invitation link, then the
// shared map, chat, people and (for facilitators) the workshop tools, all
// drawn from the client's replica, which changes only by the server's events.
import "leaflet/dist/leaflet.css";
import "./styles.css";

import { ErrorCode, MaptableClient, MaptableError, type WebSocketLike } from "@maptable/client";

import { loadConfig } from "./app_config.js";
import { ChatPanel } from "./chat_panel.js";
import { openCompare } from "./compare.js";
import { mountBreakouts } from "./breakouts.js";
import { AppContext, roleLabel } from "./context.js";
import { byId, el } from "./dom.js";
import { FacilitatorPanel } from "./facilitator_panel.js";
import { mountFieldNotes } from "./field_notes.js";
import { forgetInvite, parseInviteLink, takeInvite, type Invite } from "./invite.js";
import { LayersPanel, MapFilter } from "./legend.js";
import { MapView } from "./map_view.js";
import { mountNetworkLink, openNetworkHome } from "./network_home.js";
import { parseNetworkLink } from "./network_home_api.js";
import { IndexedDbSessionStore } from "./offline_store.js";
import { errorText, languages, language, preferredLanguage, setLanguage, t, translatePage } from "./i18n/index.js";
import { PeoplePanel } from "./people_panel.js";
import { VoteBanner } from "./voting.js";
import { notify, showConnection } from "./status.js";
import { Replay } from "./replay.js";
import { mountReferenceLayers } from "./reference_layers.js";
import { Reshaper } from "./reshape.js";
import { RoomInfoPanel } from "./room_info.js";
import { UndoHistory } from "./undo.js";

function showJoin(error = ""): void {
  byId("app").hidden = true;
  byId("join").hidden = false;
  byId("join-error").textContent = error;
  byId("connection").textContent = t("connection.notJoined");
  byId("connection").dataset.state = "closed";
  byId("join-form").onsubmit = (e) => {
    e.preventDefault();
    const link = byId<HTMLInputElement>("join-link").value.trim();
    // A room's invitation, or a network's (which opens the network home).
    if (!parseInviteLink(link) && !parseNetworkLink(link)) {
      byId("join-error").textContent = t("join.notALink");
      return;
    }
    location.hash = link.slice(link.indexOf("#"));
    location.reload();
  };
}

// The browser's WebSocket, except while the browser says it is offline: then
// no connection is tried (the client keeps retrying with backoff and its
// pending changes until the network is back).
function webSocketFactory(): (url: string) => WebSocketLike {
  const Native = window.WebSocket;
  return (url) => {
    if (!navigator.onLine) throw new Error("the browser is offline");
    return new Native(url) as unknown as WebSocketLike;
  };
}

// The page and its files for a reload while offline (sw.js). Without it
// (an old browser, or not a secure origin) the app works online as before.
function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}

async function start(): Promise<void> {
  // The network home and the side-by-side comparison are pages of their own,
  // chosen by the link's fragment; anything else is a room.
  if (await openNetworkHome(loadConfig)) return;
  if (await openCompare(loadConfig)) return;
  const invite = takeInvite();
  if (!invite) return showJoin();
  registerServiceWorker();
  const config = await loadConfig();
  const client = new MaptableClient({
    url: config.wsUrl,
    roomId: invite.roomId,
    token: invite.token,
    reconnectMaxDelayMs: 3000,
    webSocket: webSocketFactory(),
    store: new IndexedDbSessionStore(invite.subject),
  });
  const app = new AppContext(client, invite);
  const status = () => showConnection(client.state, client.pendingCount, navigator.onLine, client.closed?.reason ?? "");
  client.onConnectionState(status);
  client.on("pendingCount", status);
  // How many unsent changes are safe in this browser (for tests and tools).
  client.on("persisted", (count) => (byId("connection").dataset.saved = String(count)));
  showConnection("connecting", 0, navigator.onLine);
  const refused = (error: unknown) => {
    // A refusal in plain words; anything else (no server) as it came.
    const message = error instanceof MaptableError ? errorText(error.code) : String(error);
    forgetInvite();
    showJoin(t("join.failed", { reason: message }));
  };
  // What an earlier page of this tab or browser left (unsent changes, the
  // room as it last saw it) shows at once, and goes out when the server
  // answers, however long that takes.
  let restored = false;
  try {
    restored = await client.restore();
  } catch {
    // unreadable: start afresh
  }
  if (restored) {
    client.connect().catch((error: unknown) => {
      if (error instanceof MaptableError && error.code !== ErrorCode.UNSPECIFIED) refused(error);
    });
  } else {
    try {
      await client.connect();
    } catch (error) {
      return refused(error);
    }
  }
  // Whatever the page has when it goes away is what the next one shows.
  window.addEventListener("pagehide", () => void client.saveNow());
  window.addEventListener("offline", () => {
    client.dropConnection();
    status();
  });
  window.addEventListener("online", status);
  mount(app, invite, config);
  status();
}

function mount(app: AppContext, invite: Invite, config: Awaited<ReturnType<typeof loadConfig>>): void {
  const client = app.client;
  byId("join").hidden = true;
  byId("app").hidden = false;
  const filter = new MapFilter();
  const map = new MapView(byId("map"), config, app, filter);
  const chat = new ChatPanel(byId("tab-chat"), app);
  const people = new PeoplePanel(byId("tab-people"), app);
  const layers = new LayersPanel(byId("tab-layers"), app, filter, () => schedule());
  const votes = new VoteBanner(app);
  const facilitator = app.isFacilitator() ? new FacilitatorPanel(byId("tab-facilitate"), app, map) : undefined;
  byId("facilitate-tab").hidden = !facilitator;
  const replay = new Replay(app, map, config);
  const roomInfo = new RoomInfoPanel(app);
  const reshaper = new Reshaper(app, map.map);
  app.reshape = (id) => reshaper.start(id);
  new UndoHistory(app);
  // Parts of the programme's structure, each in a module of its own.
  const parts = [
    mountReferenceLayers(app, map, () => schedule()),
    mountBreakouts(app, map, () => schedule()),
    mountFieldNotes(app, map, () => schedule()),
    mountNetworkLink(app),
  ];
  const showMe = () => {
    const me = client.me;
    const text = t("me", {
      name: me?.name ?? invite.name,
      role: me ? roleLabel(me.role) : t(`role.${invite.role}` as "role.participant"),
    });
    if (byId("me").textContent !== text) byId("me").textContent = text;
  };
  // On a phone the panels are a bottom sheet, closed at first so the map
  // has the screen; a tab opens it, the open tab again closes it.
  const sheet = document.querySelector<HTMLElement>(".sidebar")!;
  const phone = window.matchMedia("(max-width: 767px)");
  sheet.dataset.sheet = phone.matches ? "closed" : "open";
  for (const tab of document.querySelectorAll<HTMLButtonElement>(".tabs [data-tab]"))
    tab.addEventListener("click", () => {
      const open = sheet.dataset.sheet === "open";
      if (phone.matches && open && tab.classList.contains("active")) {
        sheet.dataset.sheet = "closed";
        return;
      }
      sheet.dataset.sheet = "open";
      for (const other of document.querySelectorAll<HTMLButtonElement>(".tabs [data-tab]")) {
        other.classList.toggle("active", other === tab);
        other.setAttribute("aria-pressed", String(other === tab));
        byId(`tab-${other.dataset.tab}`).hidden = other !== tab;
      }
    });

  let scheduled = false;
  const render = () => {
    scheduled = false;
    const state = client.replica.state;
    showMe();
    byId("room-title").textContent = state.info.title || state.info.id;
    document.title = `${state.info.title || state.info.id} · maptable`;
    const step = state.agenda.find((s) => s.id === state.currentStep);
    byId("agenda-now").textContent = step ? `${step.title}${step.prompt ? ": " + step.prompt : ""}` : "";
    byId("lock-badge").hidden = !state.settings.mapLocked;
    const leader = state.follow.leaderId;
    byId("following").hidden = !leader || leader === app.myId;
    byId("following").textContent = leader ? t("follow.following", { name: app.nameOf(leader) }) : "";
    byId("categories").replaceChildren(
      ...[...new Set([...state.features.values()].map((f) => f.category).filter(Boolean))].map((c) =>
        el("option", { value: c }),
      ),
    );
    map.render();
    chat.render();
    people.render();
    layers.render();
    votes.render();
    facilitator?.render();
    replay.render();
    roomInfo.render();
    for (const part of parts) part.render();
    tick();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };
  const tick = () => {
    const timer = client.replica.state.timer;
    const node = byId("timer");
    node.hidden = timer.durationMs === 0n;
    const left = Math.ceil(client.timerRemainingMs() / 1000);
    const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    node.textContent = `${timer.running ? "⏱" : "⏸"} ${time}`;
    node.setAttribute("aria-label", t(timer.running ? "timer.running" : "timer.paused", { time }));
  };
  setInterval(() => {
    tick();
    votes.render();
  }, 1000);
  // Changes the server has not confirmed are kept in this browser and go out
  // when the room is opened again, but nobody else sees them until then:
  // the browser asks before the page is left.
  window.addEventListener("beforeunload", (e) => {
    if (client.pendingCount === 0) return;
    e.preventDefault();
    e.returnValue = "";
  });
  client.onEvent(schedule);
  client.on("welcome", schedule);
  client.on("pendingCount", schedule);
  client.on("participantJoined", schedule);
  client.on("participantLeft", schedule);
  client.on("error", (e) =>
    notify(t("notice.serverSays", { message: errorText(e.code) }), "error", ErrorCode[e.code] ?? ""),
  );
  client.on("mention", (m) => notify(t("notice.mention", { name: m.authorName, text: m.text.slice(0, 80) })));
  client.on("closed", (info) =>
    notify(info.reason ? t("notice.disconnectedReason", { reason: info.reason }) : t("notice.disconnected"), "error"),
  );
  render();
}

// The language first, so that nothing shows in another one.
function setUpLanguage(): void {
  setLanguage(preferredLanguage());
  translatePage();
  const select = byId<HTMLSelectElement>("language");
  select.replaceChildren(...languages.map((l) => el("option", { value: l.code, lang: l.code }, l.name)));
  select.value = language();
  // The page is rebuilt in the new language; the invitation is kept for the
  // tab, so this joins again at once.
  select.addEventListener("change", () => {
    setLanguage(select.value, true);
    location.reload();
  });
}

setUpLanguage();
void start();
