// What the network home reads, and what it keeps in the browser: the network
// invitation taken from the link (#net=<network>&token=<jwt>), the member
// API (GET /v1/networks/{id}, its sessions.ics, changes and harvest, with
// the invitation as Bearer token; docs/openapi.yaml, NetworkState and
// NetworkChanges) and the person's last visit of the network.
import { ErrorCode } from "@maptable/client";

import { inviteFragment, tokenClaims } from "./invite.js";

// ---------------------------------------------------------------- the invitation

export interface NetworkInvite {
  networkId: string;
  token: string;
  name: string; // the token's display name
  role: string; // facilitator, participant or observer
  subject: string; // the participant id
  cityId: string; // the member's city; "" for a facilitator, guest or expert
  roomId: string; // "" for an invitation to the whole network; else the one room it opens
}

// Apart from the room's ("maptable.invite"): a tab keeps the network it came
// from and the room it entered each under its own key.
const storageKey = "maptable.networkInvite";

// A network id as the server accepts one (NetworkId in docs/openapi.yaml).
const networkIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

// "#net=spaces&token=eyJ..." (or a whole link ending in one) -> the invitation.
export function parseNetworkLink(text: string): NetworkInvite | undefined {
  const at = text.indexOf("#");
  if (at < 0) return undefined;
  const params = new URLSearchParams(text.slice(at + 1));
  const networkId = params.get("net") ?? "";
  const token = params.get("token") ?? "";
  if (!token || !networkIdPattern.test(networkId)) return undefined;
  return networkInvite(networkId, token);
}

function networkInvite(networkId: string, token: string): NetworkInvite {
  const claims = tokenClaims(token);
  return {
    networkId,
    token,
    name: String(claims.name ?? claims.sub ?? ""),
    role: String(claims.role ?? "participant"),
    subject: String(claims.sub ?? ""),
    cityId: typeof claims.city === "string" ? claims.city : "",
    roomId: typeof claims.room === "string" ? claims.room : "",
  };
}

// The network invitation this tab shows: from the address (then removed from
// the address bar, as a room's invitation is, and kept for reloads of the
// tab), else the one kept. Any other link in the address (a room, a
// comparison) is another page: the kept network is forgotten, so that a
// reload of that page stays on it.
export function takeNetworkInvite(): NetworkInvite | undefined {
  const hash = location.hash.replace(/^#/, "");
  if (hash !== "") {
    const fromLink = parseNetworkLink(location.hash);
    if (!fromLink) {
      forgetNetworkInvite();
      return undefined;
    }
    history.replaceState(null, "", location.pathname + location.search);
    try {
      sessionStorage.setItem(storageKey, JSON.stringify({ networkId: fromLink.networkId, token: fromLink.token }));
    } catch {
      // storage disabled: a reload needs the link again
    }
    return fromLink;
  }
  try {
    const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? "null") as {
      networkId?: unknown;
      token?: unknown;
    } | null;
    if (typeof stored?.networkId === "string" && typeof stored.token === "string" && stored.token)
      if (networkIdPattern.test(stored.networkId)) return networkInvite(stored.networkId, stored.token);
  } catch {
    // nothing usable stored
  }
  return undefined;
}

export function forgetNetworkInvite(): void {
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // nothing to forget
  }
}

// The room's link with the same invitation: the server admits a network
// invitation to every room of its network, in the role it computes there.
export function roomLink(roomId: string, token: string): string {
  return inviteFragment(roomId, token);
}

export function networkLink(networkId: string, token: string): string {
  return `#net=${encodeURIComponent(networkId)}&token=${encodeURIComponent(token)}`;
}

// ---------------------------------------------------------------- the member API

export interface LonLat {
  lon: number;
  lat: number;
}

export interface NetworkRecord {
  id: string;
  title: string;
  theme: string;
  languages: string[];
  starts_on: string; // YYYY-MM-DD, "" when not set
  ends_on: string;
  members_elsewhere: "observer" | "participant";
}

export interface NetworkCity {
  id: string;
  name: string;
  country: string;
  position: LonLat;
  living_lab_title: string;
}

export type RoomKind = "" | "living_lab" | "consultation" | "workshop" | "study_trip" | "plenary";

export interface NetworkRoom {
  id: string;
  title: string;
  kind: RoomKind;
  city_id: string;
  last_activity_ms: number; // 0: nothing has happened in it
  last_seq: number;
}

export interface PlannedSession {
  id: string;
  room_id: string;
  title: string;
  starts_ms: number;
  ends_ms: number;
  time_zone: string;
  agenda: string[];
}

export interface NetworkState {
  network: NetworkRecord;
  seq: number;
  cities: NetworkCity[];
  rooms: NetworkRoom[];
  sessions: PlannedSession[];
  people?: { city_id: string; count: number }[];
}

export interface RoomChanges {
  id: string;
  title: string;
  features_added: number;
  threads_started: number;
  votes_closed: number;
  chat_messages: number;
  events: number;
}

export interface NetworkChanges {
  network: string;
  since_ms: number;
  rooms: RoomChanges[];
}

// Why the member API gave nothing: the server refused (`code`, the
// protocol's error name, e.g. TOKEN_EXPIRED), could not answer (a 5xx, or
// an answer that is not what the API promises), or was not reached.
export class MemberApiError extends Error {
  constructor(
    readonly kind: "refused" | "server" | "unreachable",
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  // The protocol's ErrorCode for a refusal, UNSPECIFIED when it has none.
  get errorCode(): ErrorCode {
    const value = (ErrorCode as unknown as Record<string, number | undefined>)[this.code];
    return typeof value === "number" ? (value as ErrorCode) : ErrorCode.UNSPECIFIED;
  }
}

async function request(path: string, token: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  } catch (error) {
    throw new MemberApiError("unreachable", 0, "", String(error));
  }
  if (res.ok) return res;
  let body: { error?: unknown; code?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not the API's JSON (a proxy's page): the status says enough
  }
  const code = typeof body.code === "string" ? body.code : "";
  const message = typeof body.error === "string" ? body.error : res.statusText;
  // 502-504 come from a proxy in front of a server that is down.
  if (res.status >= 502 && res.status <= 504) throw new MemberApiError("unreachable", res.status, code, message);
  throw new MemberApiError(res.status >= 500 ? "server" : "refused", res.status, code, message);
}

async function json<T>(res: Response, valid: (value: unknown) => boolean): Promise<T> {
  let value: unknown;
  try {
    value = await res.json();
  } catch (error) {
    throw new MemberApiError("server", res.status, "", String(error));
  }
  if (!valid(value)) throw new MemberApiError("server", res.status, "", "an answer of another shape");
  return value as T;
}

const base = (networkId: string) => `/v1/networks/${encodeURIComponent(networkId)}`;

function isState(value: unknown): boolean {
  const v = value as Partial<NetworkState> | null;
  return (
    !!v &&
    typeof v.network?.title === "string" &&
    Array.isArray(v.cities) &&
    Array.isArray(v.rooms) &&
    Array.isArray(v.sessions)
  );
}

export async function fetchNetwork(invite: NetworkInvite): Promise<NetworkState> {
  return json<NetworkState>(await request(base(invite.networkId), invite.token), isState);
}

export async function fetchChanges(invite: NetworkInvite, sinceMs: number): Promise<NetworkChanges> {
  const since = Math.max(0, Math.floor(sinceMs));
  return json<NetworkChanges>(await request(`${base(invite.networkId)}/changes?since_ms=${since}`, invite.token), (v) =>
    Array.isArray((v as Partial<NetworkChanges> | null)?.rooms),
  );
}

// A file the server sends as an attachment, and the name it gives it
// (Content-Disposition), else `fallback`.
async function savedFile(res: Response, fallback: string): Promise<{ file: Blob; name: string }> {
  const disposition = res.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"/\\]+)"/.exec(disposition)?.[1] ?? fallback;
  try {
    return { file: await res.blob(), name };
  } catch (error) {
    throw new MemberApiError("unreachable", res.status, "", String(error));
  }
}

// The planned sessions as an iCalendar file, and the name the server gives it.
export async function fetchCalendar(invite: NetworkInvite): Promise<{ file: Blob; name: string }> {
  const res = await request(`${base(invite.networkId)}/sessions.ics`, invite.token);
  return savedFile(res, `${invite.networkId}-sessions.ics`);
}

// The harvest's formats as the route names them (docs/HARVEST.md), and the
// file ending the server gives each.
export const harvestFormats = ["html", "md", "geojson"] as const;
export type HarvestFormat = (typeof harvestFormats)[number];
const harvestEnding: Record<HarvestFormat, string> = { html: "html", md: "md", geojson: "json" };

// A whole network's invitation in the facilitator's role: the only
// invitation the harvest route accepts (besides the admin key).
export function mayHarvest(invite: NetworkInvite): boolean {
  return invite.role === "facilitator" && invite.roomId === "";
}

// The network harvest over whole UTC days from..to (YYYY-MM-DD; "" leaves
// that end open), in one format, with the invitation as Bearer token.
export async function fetchHarvest(
  invite: NetworkInvite,
  range: { from: string; to: string },
  format: HarvestFormat,
): Promise<{ file: Blob; name: string }> {
  const query = new URLSearchParams({ format });
  if (range.from) query.set("from", range.from);
  if (range.to) query.set("to", range.to);
  const res = await request(`${base(invite.networkId)}/harvest?${query.toString()}`, invite.token);
  return savedFile(res, `harvest-${invite.networkId}.${harvestEnding[format]}`);
}

// ---------------------------------------------------------------- the last visit

// What a person had seen of the network when they last opened its home: the
// server time of the newest event then (so "what's new" counts by the
// server's clock, whatever this computer's clock says) and when it was, by
// this computer's clock (only for showing).
export interface Visit {
  seenMs: number;
  atMs: number;
}

// Per network and person, in localStorage (the browser remembers across
// visits); and, per tab, the visit this tab compares with, in sessionStorage,
// so that a reload or the way back from a room still shows what was new when
// the tab opened the home, instead of "nothing new" a second later.
const visitKey = (invite: NetworkInvite) => `maptable.networkVisit:${invite.networkId}:${invite.subject}`;
const tabVisitKey = (invite: NetworkInvite) => `maptable.networkVisitShown:${invite.networkId}:${invite.subject}`;

function parseVisit(text: string | null): Visit | undefined {
  try {
    const v = JSON.parse(text ?? "null") as Partial<Visit> | null;
    if (v && Number.isFinite(v.seenMs) && Number.isFinite(v.atMs)) return { seenMs: v.seenMs!, atMs: v.atMs! };
  } catch {
    // damaged: as if there had been no visit
  }
  return undefined;
}

// The visit to compare with (undefined: the first visit), and records this
// one as having seen the newest event up to `seenNowMs`.
export function lastVisit(invite: NetworkInvite, seenNowMs: number): Visit | undefined {
  let previous: Visit | undefined;
  try {
    const shown = sessionStorage.getItem(tabVisitKey(invite));
    if (shown !== null) previous = parseVisit(shown);
    else {
      previous = parseVisit(localStorage.getItem(visitKey(invite)));
      sessionStorage.setItem(tabVisitKey(invite), JSON.stringify(previous ?? null));
    }
  } catch {
    // storage disabled: every visit is a first one
  }
  const stored = parseVisit(localStorageItem(visitKey(invite)));
  const now: Visit = { seenMs: Math.max(seenNowMs, stored?.seenMs ?? 0), atMs: Date.now() };
  try {
    localStorage.setItem(visitKey(invite), JSON.stringify(now));
  } catch {
    // not remembered: the next visit is a first one
  }
  return previous;
}

function localStorageItem(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
