// Correcting one's own chat message or comment: the text asked for with the
// current one filled in (a dialog that works the same with a keyboard, a
// screen reader and on a phone).
import { t } from "./i18n/index.js";
import { notify } from "./status.js";

// The corrected text; null when cancelled or unchanged. Emptied text is
// refused in words: an edit does not delete (Delete does, for everyone).
export function askCorrection(current: string): string | null {
  const answer = prompt(t("edit.prompt"), current);
  if (answer === null) return null;
  const text = answer.trim();
  if (text === current.trim()) return null;
  if (!text) {
    notify(t("edit.empty"), "error");
    return null;
  }
  return text;
}
