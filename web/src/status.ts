// What the page tells people about the connection (connected, reconnecting,
// offline with N pending changes) and the notices: refusals by the server
// (LOCKED, MUTED, ...) and other things worth a moment's attention.
import { ErrorCode, type ConnectionState, type Failure } from "@maptable/client";

import { byId, el } from "./dom.js";

export function showConnection(state: ConnectionState, pending: number, online: boolean, closedReason = ""): void {
  const node = byId("connection");
  const changes = pending === 1 ? "1 pending change" : `${pending} pending changes`;
  let shown: string;
  let kind: string;
  if (state === "closed") {
    kind = "closed";
    shown = "disconnected" + (closedReason ? `: ${closedReason}` : "");
  } else if (!online) {
    kind = "offline";
    shown = `offline · ${changes}`;
  } else if (state === "connected") {
    kind = "connected";
    shown = pending ? `connected · sending ${changes}` : "connected";
  } else if (state === "reconnecting") {
    kind = "reconnecting";
    shown = `reconnecting… · ${changes}`;
  } else {
    kind = "connecting";
    shown = "connecting…";
  }
  node.textContent = shown;
  node.dataset.state = kind;
  node.dataset.pending = String(pending);
}

// A notice that stays a few seconds (errors a little longer), newest last.
export function notify(text: string, kind: "error" | "info" = "info", code = ""): void {
  const box = byId("notices");
  const notice = el("div", { class: `notice ${kind}`, "data-code": code || undefined, role: kind === "error" ? "alert" : undefined }, text);
  const close = el("button", { type: "button", class: "close", "aria-label": "dismiss", onclick: () => notice.remove() }, "×");
  notice.append(close);
  box.append(notice);
  while (box.children.length > 5) box.firstElementChild?.remove();
  setTimeout(() => notice.remove(), kind === "error" ? 12_000 : 5_000);
}

// The server's words, with the code for whoever reports it.
export function notifyRefusal(what: string, failure: Failure): void {
  const code = ErrorCode[failure.code] ?? String(failure.code);
  notify(`${what} was refused: ${failure.message}`, "error", code);
}
