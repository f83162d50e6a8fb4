// The app's one translation layer: every text a person reads comes from the
// catalogues here, through t() (interpolation of {name} and plurals chosen by
// the platform's Intl.PluralRules) or errorText() (a server refusal in plain
// words). The language is the one chosen in the switcher, remembered in
// localStorage, else the browser's first language that is shipped, else
// English. Times and numbers are formatted by Intl in that language.
import { ErrorCode } from "@maptable/client";

import { catalogues, languages, type Catalogue, type ErrorName, type Message, type MessageKey } from "./catalogues.js";

export { languages, type MessageKey };

export type Params = Record<string, string | number | bigint>;

const storageKey = "maptable.language";
const fallback = "en";

let current = fallback;
let plurals = new Intl.PluralRules(fallback);

export function language(): string {
  return current;
}

// The stored choice, else the browser's languages in order ("pt-BR" -> "pt").
export function preferredLanguage(): string {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(storageKey);
  } catch {
    // storage disabled: the browser's language then
  }
  const wanted = [stored, ...(navigator.languages ?? []), navigator.language].filter((x): x is string => !!x);
  for (const tag of wanted) {
    const base = tag.toLowerCase().split("-")[0]!;
    if (base in catalogues) return base;
  }
  return fallback;
}

// Sets the language of t(), the page's lang and its direction (right-to-left
// scripts flip the layout, which uses logical CSS properties throughout).
export function setLanguage(code: string, remember = false): void {
  current = code in catalogues ? code : fallback;
  plurals = new Intl.PluralRules(current);
  const info = languages.find((l) => l.code === current)!;
  document.documentElement.lang = current;
  document.documentElement.dir = info.dir;
  if (remember) {
    try {
      localStorage.setItem(storageKey, current);
    } catch {
      // not remembered: this page still uses it
    }
  }
}

function catalogue(): Catalogue {
  return catalogues[current] ?? catalogues[fallback]!;
}

// A message with its {placeholders} filled; a plural message picks its form
// by the parameter `count`.
export function t(key: MessageKey, params: Params = {}): string {
  const message: Message = catalogue().messages[key] ?? catalogues[fallback]!.messages[key];
  let text: string;
  if (typeof message === "string") {
    text = message;
  } else {
    const count = Number(params.count ?? 0);
    const form = plurals.select(count) as keyof typeof message;
    text = message[form] ?? message.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? formatNumber(value) : String(value);
  });
}

// What a refusal with this code means, for a person: "This invitation has
// expired: ask your facilitator for a new link".
export function errorText(code: ErrorCode): string {
  const name = (ErrorCode[code] ?? "UNSPECIFIED") as ErrorName;
  return catalogue().errors[name] ?? catalogues[fallback]!.errors[name] ?? catalogue().errors.UNSPECIFIED;
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(current).format(n);
}

export function formatTime(ms: bigint | number): string {
  return new Intl.DateTimeFormat(current, { hour: "2-digit", minute: "2-digit" }).format(new Date(Number(ms)));
}

// The page's fixed texts: elements carry data-i18n (their text), and
// data-i18n-title, -placeholder, -aria-label for those attributes.
export function translatePage(root: ParentNode = document): void {
  for (const node of root.querySelectorAll<HTMLElement>("[data-i18n]"))
    node.textContent = t(node.dataset.i18n as MessageKey);
  for (const attribute of ["title", "placeholder", "aria-label"] as const) {
    const data = "i18n" + attribute.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
    for (const node of root.querySelectorAll<HTMLElement>(`[data-i18n-${attribute}]`))
      node.setAttribute(attribute, t(node.dataset[data] as MessageKey));
  }
}
