// The shipped languages and their catalogues. English defines the keys;
// every other language must have each of them (the type checker says so, and
// test/i18n.test.mjs checks the built catalogues too), and a message for
// every ErrorCode of the generated protocol.
import type { ErrorCode } from "@maptable/client";

import { de } from "./de.js";
import { en } from "./en.js";
import { es } from "./es.js";
import { fr } from "./fr.js";
import { pt } from "./pt.js";

export type Plural = { zero?: string; one?: string; two?: string; few?: string; many?: string; other: string };
export type Message = string | Plural;
export type MessageKey = keyof typeof en.messages;
export type ErrorName = keyof typeof ErrorCode;

export interface Catalogue {
  messages: Record<MessageKey, Message>;
  errors: Record<ErrorName, string>;
}

export interface LanguageInfo {
  code: string;
  name: string; // in the language itself, as the switcher shows it
  dir: "ltr" | "rtl";
}

export const languages: LanguageInfo[] = [
  { code: "en", name: "English", dir: "ltr" },
  { code: "de", name: "Deutsch", dir: "ltr" },
  { code: "es", name: "Español", dir: "ltr" },
  { code: "pt", name: "Português", dir: "ltr" },
  { code: "fr", name: "Français", dir: "ltr" },
];

export const catalogues: Record<string, Catalogue> = { en, de, es, pt, fr };
