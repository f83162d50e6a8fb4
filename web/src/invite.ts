// The invitation: the room and the join token from the link's fragment
// (#room=<id>&token=<jwt>, which browsers never send to a server). Read once,
// then removed from the address bar (so it is not bookmarked, shared in a
// screenshot or kept in history) and kept in this tab's sessionStorage, so a
// reload of the tab joins again.
export interface Invite {
  roomId: string;
  token: string;
  name: string; // the token's display name
  role: string; // facilitator, participant or observer
  subject: string; // the participant id
}

const storageKey = "maptable.invite";

export function takeInvite(): Invite | undefined {
  const fromLink = parseInviteLink(location.hash);
  if (fromLink) {
    history.replaceState(null, "", location.pathname + location.search);
    try {
      sessionStorage.setItem(storageKey, JSON.stringify({ roomId: fromLink.roomId, token: fromLink.token }));
    } catch {
      // storage disabled: a reload needs the link again
    }
    return fromLink;
  }
  try {
    const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? "null") as {
      roomId?: string;
      token?: string;
    } | null;
    if (stored?.roomId && stored.token) return invite(stored.roomId, stored.token);
  } catch {
    // nothing usable stored
  }
  return undefined;
}

export function forgetInvite(): void {
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // nothing to forget
  }
}

// A room's invitation as a link's fragment (the inverse of parseInviteLink).
export function inviteFragment(roomId: string, token: string): string {
  return `#room=${encodeURIComponent(roomId)}&token=${encodeURIComponent(token)}`;
}

// "#room=harbour&token=eyJ..." (or a whole link ending in one) -> the invite.
export function parseInviteLink(text: string): Invite | undefined {
  const hash = text.slice(text.indexOf("#") + 1);
  if (!text.includes("#") || hash === "") return undefined;
  const params = new URLSearchParams(hash);
  const roomId = params.get("room") ?? "";
  const token = params.get("token") ?? "";
  if (!token) return undefined;
  const parsed = invite(roomId, token);
  return parsed && parsed.roomId ? parsed : undefined;
}

function invite(roomId: string, token: string): Invite | undefined {
  const claims = tokenClaims(token);
  return {
    roomId: roomId || String(claims.room ?? ""),
    token,
    name: String(claims.name ?? claims.sub ?? ""),
    role: String(claims.role ?? "participant"),
    subject: String(claims.sub ?? ""),
  };
}

// The claims of a JWT, unverified: only for showing who one is about to be
// (the server verifies the token at the join).
export function tokenClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (!part) return {};
  try {
    const base64 = part
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(part.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
