// A tiny DOM builder: every text goes in as a text node, never as HTML, so
// what people type (titles, chat, names) can never become markup. And dates
// and times, formatted by Intl in the page's language.
import { language } from "./i18n/index.js";

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") node.addEventListener(name.replace(/^on/, ""), value as EventListener);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

// Offers a fetched file as a download, under `name`: a file that needs the
// token in a header cannot be a plain link.
// Makes parent's children exactly `children`, in order, touching only what
// changed: a child already in its place stays (with its focus and a click
// in progress), a new one is inserted, one no longer wanted is removed.
export function placeChildren(parent: Element, children: Element[]): void {
  let at: ChildNode | null = parent.firstChild;
  for (const child of children) {
    if (child === at) {
      at = at.nextSibling;
      continue;
    }
    parent.insertBefore(child, at);
  }
  while (at) {
    const next: ChildNode | null = at.nextSibling;
    at.remove();
    at = next;
  }
}

export function saveFile(file: Blob, name: string): void {
  const url = URL.createObjectURL(file);
  const a = el("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // After the browser has taken the file.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

// A time of day in the page's language.
export { formatTime as clockTime } from "./i18n/index.js";

// A date and time in the page's language, with the time zone's short name
// ("2 Dec 2026, 09:30 CET"): sessions are read by people in other zones too.
export function dateTime(ms: bigint | number): string {
  return (
    new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(Number(ms))) +
    " " +
    zoneAbbreviation(ms)
  );
}

// A time of day with the time zone's short name ("09:30 CET").
export function clockTimeWithZone(ms: bigint | number): string {
  return new Intl.DateTimeFormat(language(), { hour: "2-digit", minute: "2-digit", timeZoneName: "short" }).format(
    new Date(Number(ms)),
  );
}

function zoneAbbreviation(ms: bigint | number): string {
  const parts = new Intl.DateTimeFormat(language(), { timeZoneName: "short" }).formatToParts(new Date(Number(ms)));
  return parts.find((p) => p.type === "timeZoneName")?.value ?? "";
}

// The time zone this page shows times in, by its IANA name ("Europe/Berlin").
export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
