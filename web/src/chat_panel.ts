// The chat: the room's recent messages with replies and reactions, older
// ones on request (paged from the server), and the box to write one (as a
// reply when "Reply" was chosen, with @mentions picked from who is online).
// Facilitators delete any message, with a reason; authors their own. The list is a log live region, so a screen
// reader reads new messages as they come.
import { RECENT_CHAT_LIMIT, type ChatMessage } from "@maptable/client";

import { notifyRefusal } from "./status.js";

import type { AppContext } from "./context.js";
import { clockTime, el, placeChildren, replaceChildren } from "./dom.js";
import { askCorrection } from "./edit_text.js";
import { t } from "./i18n/index.js";
import { MentionPicker } from "./mentions.js";

const reactions = ["👍", "❤️", "🎉", "❓"];

export class ChatPanel {
  // Focusable, so the keyboard can scroll it; inside a log live region.
  private readonly list = el("ol", {
    class: "messages",
    "data-testid": "messages",
    tabindex: 0,
    "aria-label": t("chat.listLabel"),
  });
  private readonly input = el("input", {
    name: "chat",
    placeholder: t("chat.placeholder"),
    maxlength: 4000,
    autocomplete: "off",
    "aria-label": t("chat.label"),
  });
  private readonly replying = el("div", { class: "replying", hidden: true });
  private readonly olderButton = el(
    "button",
    { type: "button", class: "older", "data-testid": "older-chat" },
    t("chat.older"),
  );
  private readonly noOlder = el(
    "p",
    { class: "muted-text", "data-testid": "no-older-chat", hidden: true },
    t("chat.noOlder"),
  );
  // Messages before the replica's recent chat, oldest first, as paged in.
  private older: ChatMessage[] = [];
  // What the server said at the last page; before any, older messages can
  // only exist when the room's recent chat is full.
  private hasMore: boolean | undefined;
  private replyTo = 0n;
  private shown = "";
  // Each message as last built, by seq, with the HTML it showed (see render).
  private built = new Map<string, { shown: string; item: HTMLElement }>();
  private readonly mentions: MentionPicker;

  constructor(
    root: HTMLElement,
    private readonly app: AppContext,
  ) {
    this.mentions = new MentionPicker(this.input, () =>
      app.client.online.filter((p) => p.id !== app.myId).map((p) => ({ id: p.id, name: p.name })),
    );
    const form = el(
      "form",
      { class: "chat-form", "data-testid": "chat-form" },
      this.input,
      el("button", { type: "submit" }, t("chat.send")),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      const replyTo = this.replyTo;
      const mentions = this.mentions.mentions(text);
      this.mentions.reset();
      this.setReply(undefined);
      void app.run(t("action.message"), app.client.sendChat(text, { replyTo, mentions }));
    });
    this.olderButton.addEventListener("click", () => void this.loadOlder());
    root.append(
      this.olderButton,
      this.noOlder,
      el("div", { class: "messages-log", role: "log", "aria-live": "polite" }, this.list),
      this.replying,
      el("div", { class: "chat-compose" }, this.mentions.list, form),
    );
  }

  render(): void {
    const state = this.app.client.replica.state;
    const chat = state.recentChat;
    // Rebuilt only when the room changed (a reaction or an edit changes the
    // seq too) or a message of mine was sent or confirmed.
    this.olderButton.hidden = !(this.hasMore ?? chat.length >= RECENT_CHAT_LIMIT);
    const key = `${state.seq}:${this.app.client.pendingCount}`;
    if (this.shown === key) return;
    this.shown = key;
    const stick = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 20;
    const first = chat[0]?.seq ?? 0n;
    const older = this.older.filter((m) => first === 0n || m.seq < first);
    // A message is rebuilt only when what it shows changed, and left where
    // it is in the list otherwise: in a busy room every event comes here, and
    // a rebuilt message loses a click on its buttons in progress.
    const built = new Map<string, { shown: string; item: HTMLElement }>();
    const items: HTMLElement[] = [];
    for (const m of [...older, ...chat]) {
      const key = String(m.seq);
      const item = this.message(m);
      const before = this.built.get(key);
      const kept = before && before.shown === item.outerHTML ? before : { shown: item.outerHTML, item };
      built.set(key, kept);
      items.push(kept.item);
    }
    this.built = built;
    placeChildren(this.list, [...items, ...this.pendingMessages()]);
    if (stick) this.list.scrollTop = this.list.scrollHeight;
  }

  private message(m: ChatMessage): HTMLElement {
    const parent = m.replyTo ? this.app.client.replica.findChat(m.replyTo) : undefined;
    const mine = m.authorId === this.app.myId;
    const forMe = !mine && m.mentions.includes(this.app.myId);
    const item = el(
      "li",
      {
        class: "message" + (mine ? " mine" : "") + (forMe ? " mentions-me" : ""),
        "data-testid": "message",
        "data-seq": String(m.seq),
        "data-mentions-me": forMe ? "true" : undefined,
      },
      el(
        "div",
        { class: "meta" },
        el("strong", {}, m.authorName),
        ` ${clockTime(m.timeMs)}`,
        m.editedSeq ? ` ${t("chat.edited")}` : "",
      ),
      parent
        ? el(
            "blockquote",
            { class: "quote", "data-testid": "reply-quote" },
            `${parent.authorName}: ${parent.deleted ? t("chat.deleted") : parent.text.slice(0, 80)}`,
          )
        : null,
      el(
        "div",
        { class: "text" },
        m.deleted
          ? el("em", {}, m.deleteReason ? t("chat.deletedReason", { reason: m.deleteReason }) : t("chat.deleted"))
          : m.text,
      ),
    );
    if (m.deleted) return item;
    const bar = el("div", { class: "reactions" });
    for (const r of m.reactions) {
      const reacted = r.participantIds.includes(this.app.myId);
      bar.append(
        el(
          "button",
          {
            type: "button",
            class: "reaction" + (reacted ? " mine" : ""),
            "data-testid": "reaction",
            "data-emoji": r.emoji,
            "aria-pressed": String(reacted),
            title: r.participantIds.map((id) => this.app.nameOf(id)).join(", "),
            onclick: () =>
              void this.app.run(t("action.reaction"), this.app.client.reactToChat(m.seq, r.emoji, reacted)),
          },
          `${r.emoji} ${r.participantIds.length}`,
        ),
      );
    }
    for (const emoji of reactions) {
      if (m.reactions.some((r) => r.emoji === emoji)) continue;
      bar.append(
        el(
          "button",
          {
            type: "button",
            class: "react",
            "data-emoji": emoji,
            title: t("chat.reactWith", { emoji }),
            "aria-label": t("chat.reactWith", { emoji }),
            onclick: () => void this.app.run(t("action.reaction"), this.app.client.reactToChat(m.seq, emoji)),
          },
          emoji,
        ),
      );
    }
    bar.append(el("button", { type: "button", class: "reply", onclick: () => this.setReply(m) }, t("chat.reply")));
    // Only the author corrects a message (the server's rule for EditChat).
    if (mine)
      bar.append(
        el(
          "button",
          {
            type: "button",
            "data-testid": "edit-message",
            "aria-label": t("edit.chatLabel"),
            onclick: () => {
              const text = askCorrection(m.text);
              if (text === null) return;
              void this.app.run(t("edit.chatAction"), this.app.client.editChat(m.seq, text));
            },
          },
          t("edit.button"),
        ),
      );
    if (this.app.isFacilitator() || mine)
      bar.append(
        el(
          "button",
          {
            type: "button",
            class: "danger",
            "data-testid": "delete-message",
            onclick: () => {
              // A facilitator says why (it is kept in the room's log); an author just confirms.
              const reason = this.app.isFacilitator()
                ? prompt(t("chat.deleteReason"))
                : confirm(t("chat.confirmDelete"))
                  ? ""
                  : null;
              if (reason === null) return;
              void this.app.run(t("action.deleteMessage"), this.app.client.deleteChat(m.seq, reason.trim()));
            },
          },
          t("chat.delete"),
        ),
      );
    item.append(bar);
    return item;
  }

  // My messages the server has not confirmed yet (offline, or on their way):
  // shown at once, marked as being sent, in the order they were written.
  private pendingMessages(): HTMLElement[] {
    const items: HTMLElement[] = [];
    for (const command of this.app.client.pendingCommands) {
      if (command.body.case !== "sendChat") continue;
      items.push(
        el(
          "li",
          { class: "message mine pending", "data-testid": "pending-message", "data-pending-label": t("chat.pending") },
          el("div", { class: "meta" }, el("strong", {}, this.app.client.me?.name ?? this.app.invite.name)),
          el("div", { class: "text" }, command.body.value.text),
        ),
      );
    }
    return items;
  }

  // The page of messages before the oldest one shown.
  private async loadOlder(): Promise<void> {
    const shown = [...this.older, ...this.app.client.replica.state.recentChat];
    const before = shown[0]?.seq ?? 0n;
    this.olderButton.disabled = true;
    const page = await this.app.client.chatHistory(before, 50);
    this.olderButton.disabled = false;
    if (!page.ok) {
      notifyRefusal(t("action.olderChat"), page);
      return;
    }
    this.older = [...page.messages.filter((m) => m.seq < before || before === 0n), ...this.older];
    this.hasMore = page.hasMore;
    this.noOlder.hidden = page.hasMore;
    this.shown = "";
    const height = this.list.scrollHeight;
    this.render();
    // Keep the message that was first in view where it was.
    this.list.scrollTop += this.list.scrollHeight - height;
  }

  private setReply(m: ChatMessage | undefined): void {
    this.replyTo = m?.seq ?? 0n;
    this.replying.hidden = !m;
    if (m) {
      replaceChildren(
        this.replying,
        t("chat.replyingTo", { name: m.authorName, text: m.text.slice(0, 60) }),
        " ",
        el(
          "button",
          { type: "button", "aria-label": t("chat.cancelReply"), onclick: () => this.setReply(undefined) },
          "×",
        ),
      );
      this.input.focus();
    }
  }
}
