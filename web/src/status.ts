// What the page tells people about the connection (connected, reconnecting,
// offline with N pending changes) and the notices: refusals by the server
// (LOCKED, MUTED, ...) in plain words, and other things worth a moment's
// attention. Both are live regions, so screen readers announce them.
import { ErrorCode, type ConnectionState, type Failure } from "@maptable/client";

import { byId, el } from "./dom.js";
import { errorText, t } from "./i18n/index.js";

export function showConnection(state: ConnectionState, pending: number, online: boolean, closedReason = ""): void {
  const node = byId("connection");
  let shown: string;
  let kind: string;
  if (state === "closed") {
    kind = "closed";
    shown = closedReason ? t("connection.closedReason", { reason: closedReason }) : t("connection.closed");
  } else if (!online) {
    kind = "offline";
    shown = t("connection.offline", { count: pending });
  } else if (state === "connected") {
    kind = "connected";
    shown = pending ? t("connection.sending", { count: pending }) : t("connection.connected");
  } else if (state === "reconnecting") {
    kind = "reconnecting";
    shown = t("connection.reconnecting", { count: pending });
  } else {
    kind = "connecting";
    shown = t("connection.connecting");
  }
  if (node.textContent !== shown) node.textContent = shown;
  node.dataset.state = kind;
  node.dataset.pending = String(pending);
}

// A notice that stays a few seconds (errors a little longer), newest last.
export function notify(text: string, kind: "error" | "info" = "info", code = ""): void {
  const box = byId("notices");
  const notice = el("div", { class: `notice ${kind}`, "data-code": code || undefined }, el("span", {}, text));
  const close = el(
    "button",
    { type: "button", class: "close", "aria-label": t("notice.dismiss"), onclick: () => notice.remove() },
    "×",
  );
  notice.append(close);
  box.append(notice);
  while (box.children.length > 5) box.firstElementChild?.remove();
  setTimeout(() => notice.remove(), kind === "error" ? 12_000 : 5_000);
}

// What was refused, and why in plain words; the code stays on the element
// for whoever reports it.
export function notifyRefusal(what: string, failure: Failure): void {
  const code = ErrorCode[failure.code] ?? String(failure.code);
  notify(t("notice.refused", { what, reason: errorText(failure.code) }), "error", code);
}
