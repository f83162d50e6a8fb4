// The comparison's link: #compare=<left room>,<right room>&token=<jwt> (one
// network invitation for both sides) or …&token=<jwt>&token2=<jwt> (a room
// invitation per side). Taken as invite.ts takes a room's link: read once,
// removed from the address bar, kept in this tab's sessionStorage (under a
// key of its own, so a room's stored invitation is left as it is) for
// reloads and for the language switcher, which reloads the page.
import { inviteFragment } from "./invite.js";

export interface CompareLink {
  left: string; // room ids
  right: string;
  leftToken: string;
  rightToken: string;
}

const storageKey = "maptable.compare";

// A room id as the server accepts it (1-64 of [A-Za-z0-9_-]); anything else
// would only be refused at the join, after the page had promised two rooms.
const roomIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

// "#compare=a,b&token=…[&token2=…]" (or a whole link ending in one) -> the
// link; undefined when it is not a comparison link or names no two rooms.
export function parseCompareLink(text: string): CompareLink | undefined {
  const at = text.indexOf("#");
  if (at < 0) return undefined;
  const params = new URLSearchParams(text.slice(at + 1));
  const rooms = params.get("compare");
  const token = params.get("token") ?? "";
  if (rooms === null || !token) return undefined;
  const [left = "", right = "", ...more] = rooms.split(",").map((r) => r.trim());
  if (more.length > 0 || !roomIdPattern.test(left) || !roomIdPattern.test(right)) return undefined;
  const token2 = params.get("token2") ?? "";
  return { left, right, leftToken: token, rightToken: token2 || token };
}

// Whether the address is any comparison link at all (a malformed one too:
// the comparison page then says what is wrong with it).
export function isCompareAddress(hash: string): boolean {
  return new URLSearchParams(hash.replace(/^#/, "")).has("compare");
}

// The link of this tab: from the address (then removed from it and stored),
// else the one stored by an earlier load of this tab, unless the address is
// another page's link (a room's, a network's): that page is then this tab's,
// and the stored comparison is forgotten.
export function takeCompareLink(): { link: CompareLink | undefined; fromAddress: boolean } | undefined {
  const hash = location.hash;
  if (isCompareAddress(hash)) {
    const link = parseCompareLink(hash);
    history.replaceState(null, "", location.pathname + location.search);
    if (link) storeCompareLink(link);
    return { link, fromAddress: true };
  }
  if (hash.replace(/^#/, "") !== "") {
    forgetCompareLink();
    return undefined;
  }
  try {
    const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? "null") as Partial<CompareLink> | null;
    if (
      stored &&
      typeof stored.left === "string" &&
      typeof stored.right === "string" &&
      typeof stored.leftToken === "string" &&
      typeof stored.rightToken === "string" &&
      roomIdPattern.test(stored.left) &&
      roomIdPattern.test(stored.right) &&
      stored.leftToken &&
      stored.rightToken
    )
      return {
        link: { left: stored.left, right: stored.right, leftToken: stored.leftToken, rightToken: stored.rightToken },
        fromAddress: false,
      };
  } catch {
    // nothing usable stored
  }
  return undefined;
}

export function storeCompareLink(link: CompareLink): void {
  try {
    sessionStorage.setItem(storageKey, JSON.stringify(link));
  } catch {
    // storage disabled: a reload needs the link again
  }
}

export function forgetCompareLink(): void {
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // nothing to forget
  }
}

// The room page of one side, with that side's invitation.
export function roomLink(room: string, token: string): string {
  return "/" + inviteFragment(room, token);
}

// The comparison's own link (for a test or a network home that builds one).
export function compareLink(link: CompareLink): string {
  const params = new URLSearchParams({ compare: `${link.left},${link.right}`, token: link.leftToken });
  if (link.rightToken !== link.leftToken) params.set("token2", link.rightToken);
  return `/#${params.toString()}`;
}
