// @mentions in the chat box: typing "@" and the start of a name lists the
// people online whose names begin so (a combobox with its listbox, so the
// arrows, Enter and Escape work as a screen reader expects); choosing one
// writes "@Name " into the text and remembers who that is, and the message
// goes out with their ids in SendChat.mentions, which brings them a notice.
import { el, replaceChildren } from "./dom.js";
import { t } from "./i18n/index.js";

export interface Mentionable {
  id: string;
  name: string;
}

// Names are matched from the "@" on, so only a short stretch is a query.
const longestQuery = 40;
const shownAtMost = 8;

export class MentionPicker {
  readonly list = el("ul", {
    class: "mention-list",
    id: "mention-list",
    role: "listbox",
    "data-testid": "mention-list",
    hidden: true,
    "aria-label": t("mention.list"),
  });
  private options: Mentionable[] = [];
  private active = 0;
  private start = -1; // where the "@" is in the text
  private readonly chosen = new Map<string, string>(); // name -> participant id

  constructor(
    private readonly input: HTMLInputElement,
    private readonly candidates: () => Mentionable[],
  ) {
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", this.list.id);
    input.setAttribute("aria-expanded", "false");
    input.addEventListener("input", () => this.update());
    input.addEventListener("blur", () => this.close());
    input.addEventListener("keydown", (e) => this.key(e));
  }

  get open(): boolean {
    return !this.list.hidden;
  }

  // The participant ids the text mentions: those chosen from the list whose
  // "@Name" is still in it, and anyone online whose "@Name" was typed in full.
  mentions(text: string): string[] {
    const ids = new Set<string>();
    for (const [name, id] of this.chosen) if (text.includes(`@${name}`)) ids.add(id);
    for (const p of this.candidates()) if (text.includes(`@${p.name}`)) ids.add(p.id);
    return [...ids].slice(0, 20);
  }

  reset(): void {
    this.chosen.clear();
    this.close();
  }

  private update(): void {
    const caret = this.input.selectionStart ?? this.input.value.length;
    const before = this.input.value.slice(0, caret);
    const at = before.lastIndexOf("@");
    const query = at >= 0 ? before.slice(at + 1) : "";
    if (at < 0 || (at > 0 && !/\s/.test(before[at - 1]!)) || query.length > longestQuery || query.includes("\n"))
      return this.close();
    const wanted = query.toLocaleLowerCase();
    this.options = this.candidates()
      .filter((p) => p.name.toLocaleLowerCase().startsWith(wanted))
      .slice(0, shownAtMost);
    if (this.options.length === 0) return this.close();
    this.start = at;
    this.active = Math.min(this.active, this.options.length - 1);
    this.draw();
  }

  private draw(): void {
    replaceChildren(
      this.list,
      ...this.options.map((p, i) =>
        el(
          "li",
          {
            id: `mention-${i}`,
            role: "option",
            class: "mention-option",
            "data-testid": "mention-option",
            "data-participant": p.id,
            "aria-selected": String(i === this.active),
            // Keeps the focus in the text box, where the typing goes on.
            onmousedown: (e: Event) => e.preventDefault(),
            onclick: () => this.choose(p),
          },
          `@${p.name}`,
        ),
      ),
    );
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.input.setAttribute("aria-activedescendant", `mention-${this.active}`);
  }

  private close(): void {
    this.list.hidden = true;
    this.list.replaceChildren();
    this.options = [];
    this.active = 0;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  private key(e: KeyboardEvent): void {
    if (!this.open) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = this.options.length;
      this.active = (this.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      this.draw();
    } else if (e.key === "Enter" || e.key === "Tab") {
      // Enter picks the name; it does not send the message half-written.
      e.preventDefault();
      this.choose(this.options[this.active]!);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.close();
    }
  }

  private choose(p: Mentionable): void {
    const caret = this.input.selectionStart ?? this.input.value.length;
    const text = this.input.value;
    const inserted = `@${p.name} `;
    this.input.value = text.slice(0, this.start) + inserted + text.slice(caret);
    const after = this.start + inserted.length;
    this.input.setSelectionRange(after, after);
    this.chosen.set(p.name, p.id);
    this.close();
    this.input.focus();
  }
}
