// "Attach a photo or PDF": a paperclip button that picks a file, uploads it to the
// room (attachment_upload.ts: the join token, one Idempotency-Key per file,
// retried with it until the server answers) and hands the attachment to
// what it goes with: an existing feature (its list of attachments) or a new
// comment. Lives in a feature's popup (feature_popup.ts); the control is
// built once per popup and kept across the popup's re-renders, so an upload
// under way keeps its status line.
import { randomId } from "@maptable/client";

import { attachableTypes, refusalText, uploadUntilAnswered, type Uploaded } from "./attachment_upload.js";
import type { AppContext } from "./context.js";
import { el } from "./dom.js";
import "./attach.css";
import { t } from "./i18n/index.js";

export interface AttachOptions {
  label: string; // the button's words, which say what the file goes with
  testId: string;
  // Once the room has the upload: names it on the feature or comment;
  // false when the room refused that (the refusal is its own notice).
  attach(uploaded: Uploaded, fileName: string): Promise<boolean>;
}

export class AttachControl {
  // The paperclip (with its hidden file input), for a row of buttons, and
  // the status line, for under that row: apart, so the popup grows by no
  // row until there is something to say.
  readonly button: HTMLElement;
  readonly note: HTMLElement;
  private readonly press: HTMLButtonElement;

  constructor(
    private readonly app: AppContext,
    private readonly options: AttachOptions,
  ) {
    const input = el("input", {
      type: "file",
      accept: attachableTypes,
      // The button is what people reach and press; the input only opens the
      // picker (a hidden file input still does, when clicked from script).
      hidden: true,
      "aria-label": options.label,
      "data-testid": `${options.testId}-input`,
    });
    this.press = el(
      "button",
      {
        type: "button",
        class: "attach-button",
        title: options.label,
        "aria-label": options.label,
        "data-testid": options.testId,
        onclick: () => input.click(),
      },
      el("span", { "aria-hidden": "true" }, "📎"),
    );
    this.note = el("p", { class: "attach-note", role: "status", "data-testid": `${options.testId}-note` });
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      input.value = "";
      if (file) void this.send(file);
    });
    this.button = el("span", { class: "attach" }, input, this.press);
  }

  private say(text: string, kind: "busy" | "done" | "error"): void {
    this.note.textContent = text;
    this.note.dataset.state = kind;
    this.note.classList.toggle("error", kind === "error");
  }

  private async send(file: File): Promise<void> {
    this.press.disabled = true;
    try {
      this.say(t("attach.uploading", { file: file.name }), "busy");
      // Chosen once per file: every retry of it is the same upload.
      const key = "attach-" + randomId(12);
      const answer = await uploadUntilAnswered(this.app, key, await file.arrayBuffer(), () =>
        this.say(t("attach.waiting", { file: file.name }), "busy"),
      );
      if ("refused" in answer) {
        this.say(refusalText(file.name, answer.refused), "error");
        return;
      }
      if (await this.options.attach(answer.ok, file.name)) this.say(t("attach.done", { file: file.name }), "done");
      else this.say(t("attach.notNamed", { file: file.name }), "error");
    } catch {
      this.say(t("attach.unreadable", { file: file.name }), "error");
    } finally {
      this.press.disabled = false;
    }
  }
}

// The name a PDF is shown and saved under: the server keeps no file names,
// so it is the text it belongs with (a comment sent with only a PDF has the
// file's name as its text), made safe for a file system.
export function pdfName(text: string, index: number): string {
  const base =
    text
      .replace(/\.pdf$/i, "")
      .replace(/[\\/:*?"<>|]+|\p{Cc}+/gu, " ")
      .trim()
      .slice(0, 80) || "attachment";
  return `${base}${index > 0 ? ` (${index + 1})` : ""}.pdf`;
}
