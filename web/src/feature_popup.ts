// A feature's popup: its title, description, colour and category (editable
// by whoever may edit it), reshape (lines and areas), delete, its comment
// thread, and dots when a vote round is open. The form is built when the
// popup opens; the live part (comments, dots) is rebuilt on every change of
// the room. Photos attached to the feature and its comments show as
// thumbnails (a click opens the full picture in a dialog), PDFs as links
// with their names; "Attach a photo or PDF" adds one to the feature (for
// whoever may edit it), "Comment with a photo or PDF" sends a comment with
// one.
import { FeatureKind, randomId, type Feature, type Thread } from "@maptable/client";

import { AttachControl, pdfName } from "./attach.js";
import type { AppContext } from "./context.js";
import { clockTime, el, replaceChildren, saveFile } from "./dom.js";
import { askCorrection } from "./edit_text.js";
import { safeColour } from "./geometry.js";
import { t, type MessageKey } from "./i18n/index.js";

// Attachments are fetched with the join token (an <img src> cannot carry it)
// and shown as data: URLs (the page's Content-Security-Policy allows data:
// images, not blob: ones), one fetch per picture for the page's life: the
// popup's live part is rebuilt on every change of the room.
type Fetched = { url: string } | { gone: true };
const fetched = new Map<string, Promise<Fetched | undefined>>();

function attachmentPath(app: AppContext, id: string, thumbnail: boolean): string {
  return `/v1/rooms/${encodeURIComponent(app.invite.roomId)}/attachments/${encodeURIComponent(id)}${
    thumbnail ? "/thumbnail" : ""
  }`;
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("unreadable"));
    reader.readAsDataURL(blob);
  });
}

function fetchAttachment(app: AppContext, id: string, thumbnail: boolean): Promise<Fetched | undefined> {
  const path = attachmentPath(app, id, thumbnail);
  let answer = fetched.get(path);
  if (!answer) {
    answer = fetch(path, { headers: { Authorization: `Bearer ${app.invite.token}` } })
      .then(async (res): Promise<Fetched | undefined> => {
        if (res.ok) return { url: await dataUrl(await res.blob()) };
        return res.status === 410 || res.status === 404 ? { gone: true } : undefined;
      })
      .catch(() => undefined);
    fetched.set(path, answer);
    // A failure that may pass (offline, the server restarting) is asked again next time.
    void answer.then((a) => {
      if (!a) fetched.delete(path);
    });
  }
  return answer;
}

// The full picture in a modal dialog; its alt text is the title it belongs to.
function showFull(app: AppContext, id: string, alt: string): void {
  const image = el("img", { alt, "data-testid": "attachment-full" });
  const dialog = el(
    "dialog",
    { class: "attachment-dialog", "data-testid": "attachment-dialog", "aria-label": t("field.photo", { title: alt }) },
    image,
    el(
      "form",
      { method: "dialog" },
      el("button", { type: "submit", "data-testid": "attachment-close" }, t("field.close")),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  void fetchAttachment(app, id, false).then((a) => {
    if (a && "url" in a) image.src = a.url;
    else image.replaceWith(el("p", {}, t("field.gone")));
  });
}

// A PDF, fetched with the token when its link is followed, and saved.
async function downloadPdf(app: AppContext, id: string, name: string): Promise<void> {
  try {
    const res = await fetch(attachmentPath(app, id, false), {
      headers: { Authorization: `Bearer ${app.invite.token}` },
    });
    if (res.ok) saveFile(await res.blob(), name);
  } catch {
    // offline: the link can be followed again
  }
}

// The attachments (ids of this room) of what is titled `alt`: photos as
// thumbnails, each a button opening the full picture; PDFs as links named
// after the text they go with, which download the file.
export function attachmentStrip(app: AppContext, ids: readonly string[], alt: string): HTMLElement | null {
  if (!ids.length) return null;
  const strip = el("div", { class: "attachments", "data-testid": "attachments" });
  const known = app.client.replica.state.attachments;
  let pdfs = 0;
  for (const id of ids) {
    if (known.get(id)?.contentType === "application/pdf") {
      const name = pdfName(alt, pdfs++);
      const link = el(
        "a",
        {
          href: attachmentPath(app, id, false),
          download: name,
          class: "attachment-pdf",
          "data-testid": "attachment-pdf",
          "data-attachment-id": id,
        },
        el("span", { "aria-hidden": "true" }, "📄 "),
        name,
      );
      // The address needs the token in a header: fetched, then saved.
      link.addEventListener("click", (e) => {
        e.preventDefault();
        void downloadPdf(app, id, name);
      });
      strip.append(link);
      continue;
    }
    const label = t("field.photo", { title: alt });
    const button = el("button", { type: "button", "data-testid": "attachment", "data-attachment-id": id });
    button.setAttribute("aria-label", label);
    const thumb = el("img", { alt: label, "data-testid": "attachment-thumbnail" });
    button.append(thumb);
    button.addEventListener("click", () => showFull(app, id, alt));
    void fetchAttachment(app, id, true).then((a) => {
      if (a && "url" in a) thumb.src = a.url;
      else if (a) button.replaceWith(el("em", { "data-testid": "attachment-gone" }, t("field.gone")));
    });
    strip.append(button);
  }
  return strip;
}

export class FeaturePopup {
  readonly element: HTMLElement;
  private readonly live: HTMLElement;
  // Built once: an upload under way outlives the live part's re-renders.
  private readonly attachToFeature: AttachControl;
  private readonly attachToComment: AttachControl;
  private commentInput: HTMLInputElement | undefined;
  // What the popup showed at its last rebuild (see refresh).
  private shown = "";

  constructor(
    private readonly app: AppContext,
    readonly featureId: string,
  ) {
    const feature = app.client.replica.findFeature(featureId);
    this.live = el("div", { class: "popup-live" });
    this.attachToFeature = new AttachControl(app, {
      label: t("attach.toFeature"),
      testId: "attach-feature",
      attach: (uploaded) => this.addToFeature(uploaded.id),
    });
    this.attachToComment = new AttachControl(app, {
      label: t("attach.toComment"),
      testId: "attach-comment",
      attach: (uploaded, fileName) => this.commentWithFile(fileName, uploaded.id),
    });
    this.element = el("div", { class: "feature-popup", "data-testid": "feature-popup", "data-feature-id": featureId });
    if (!feature) {
      this.element.append(t("popup.deleted"));
      return;
    }
    this.element.append(this.form(feature), this.live);
    this.refresh();
  }

  private form(feature: Feature): HTMLElement {
    const editable = this.mayEdit(feature);
    const title = el("input", {
      name: "title",
      value: feature.title,
      maxlength: 200,
      disabled: !editable,
      "aria-label": t("popup.title"),
    });
    const description = el(
      "textarea",
      { name: "description", rows: 3, disabled: !editable, "aria-label": t("popup.description") },
      feature.description,
    );
    const colour = el("input", {
      name: "colour",
      type: "color",
      value: safeColour(feature.colour),
      disabled: !editable,
      "aria-label": t("popup.colour"),
    });
    const category = el("input", {
      name: "category",
      value: feature.category,
      list: "categories",
      disabled: !editable,
      "aria-label": t("popup.category"),
    });
    const kind = t(
      `kind.${FeatureKind[feature.geometry?.kind ?? FeatureKind.POINT]?.toLowerCase() ?? "point"}` as MessageKey,
    );
    const form = el(
      "form",
      { class: "feature-form" },
      el("div", { class: "meta" }, t("popup.by", { kind, name: feature.authorName || feature.authorId })),
      title,
      description,
      el(
        "div",
        { class: "row" },
        el("label", {}, `${t("popup.colour")} `, colour),
        el("label", {}, `${t("popup.category")} `, category),
      ),
    );
    if (editable) {
      const shaped = feature.geometry?.kind === FeatureKind.LINE || feature.geometry?.kind === FeatureKind.AREA;
      form.append(
        el(
          "div",
          { class: "row" },
          el("button", { type: "submit" }, t("popup.save")),
          shaped && this.app.reshape
            ? el(
                "button",
                {
                  type: "button",
                  "data-testid": "reshape",
                  onclick: () => this.app.reshape?.(feature.id),
                },
                t("reshape.button"),
              )
            : null,
          el(
            "button",
            {
              type: "button",
              class: "danger",
              "data-testid": "delete-feature",
              onclick: () => {
                // Deleting removes it for everyone, with its comments and dots.
                if (!confirm(t("popup.confirmDelete", { title: feature.title }))) return;
                void this.app.run(
                  t("action.deleteFeature", { title: feature.title }),
                  this.app.client.deleteFeature(feature.id),
                );
              },
            },
            t("popup.delete"),
          ),
          this.attachToFeature.button,
        ),
        this.attachToFeature.note,
      );
    }
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.app.run(
        t("action.saveFeature", { title: feature.title }),
        this.app.client.updateFeature(feature.id, {
          title: title.value.trim(),
          description: description.value,
          colour: colour.value,
          category: category.value.trim(),
        }),
      );
    });
    return form;
  }

  // The feature's list of attachments with one more (a patch replaces the list).
  private async addToFeature(id: string): Promise<boolean> {
    const feature = this.app.client.replica.state.features.get(this.featureId);
    if (!feature) return false;
    const result = await this.app.run(
      t("attach.action", { title: feature.title }),
      this.app.client.updateFeature(feature.id, { attachments: { ids: [...feature.attachmentIds, id] } }),
    );
    return result.ok;
  }

  // A comment with a file: the text typed so far, or else the file's name
  // (a comment needs some text, and the name tells everyone what it is).
  private async commentWithFile(fileName: string, attachmentId: string): Promise<boolean> {
    const typed = this.commentInput?.value.trim() ?? "";
    if (typed && this.commentInput) this.commentInput.value = "";
    return this.comment(typed || fileName, [attachmentId]);
  }

  // A comment in the feature's open thread (or its first, or a new one).
  private async comment(text: string, attachmentIds: string[]): Promise<boolean> {
    const threads = [...this.app.client.replica.state.threads.values()].filter((th) => th.featureId === this.featureId);
    const existing = threads.find((th) => !th.resolved) ?? threads[0];
    const result = await this.app.run(
      t("action.comment"),
      existing
        ? this.app.client.command({ case: "addComment", value: { threadId: existing.id, text, attachmentIds } })
        : this.app.client.command({
            case: "startThread",
            value: {
              threadId: "t-" + randomId(6),
              anchor: { case: "featureId", value: this.featureId },
              text,
              attachmentIds,
            },
          }),
    );
    return result.ok;
  }

  // Authors edit their own; facilitators any (the server decides in the end).
  private mayEdit(feature: Feature): boolean {
    return this.app.isFacilitator() || (!this.app.isObserver() && feature.authorId === this.app.myId);
  }

  refresh(): void {
    const state = this.app.client.replica.state;
    const feature = state.features.get(this.featureId);
    if (!feature) {
      replaceChildren(this.live, el("em", {}, t("popup.deletedShort")));
      this.shown = "";
      return;
    }
    const threads = [...state.threads.values()].filter((t) => t.featureId === this.featureId);
    const parts: HTMLElement[] = [];
    const photos = attachmentStrip(this.app, feature.attachmentIds, feature.title);
    if (photos) parts.push(photos);
    for (const vote of state.votes.values()) {
      if (vote.closed) continue;
      const mine = vote.ballots.filter(
        (b) => b.featureId === feature.id && (b.voter === this.app.myId || b.voter === this.app.client.ballotId),
      );
      const total = vote.ballots.filter((b) => b.featureId === feature.id).reduce((n, b) => n + b.dots, 0);
      const myDots = mine.reduce((n, b) => n + b.dots, 0);
      parts.push(
        el(
          "div",
          { class: "row vote", "data-testid": "feature-vote" },
          el(
            "span",
            {},
            vote.resultsHidden
              ? t("popup.yourDots", { title: vote.title, count: myDots })
              : t("popup.dots", { title: vote.title, count: total, mine: myDots }),
          ),
          el(
            "button",
            {
              type: "button",
              "data-testid": "add-dot",
              onclick: () => void this.app.run(t("action.placeDot"), this.app.client.placeDot(vote.id, feature.id)),
            },
            t("popup.addDot"),
          ),
          myDots
            ? el(
                "button",
                {
                  type: "button",
                  "data-testid": "remove-dot",
                  onclick: () =>
                    void this.app.run(t("action.removeDot"), this.app.client.removeDot(vote.id, feature.id)),
                },
                t("popup.removeDot"),
              )
            : null,
        ),
      );
    }
    if (this.app.isFacilitator()) {
      const lit = state.spotlightFeatureId === feature.id;
      parts.push(
        el(
          "div",
          { class: "row" },
          el(
            "button",
            {
              type: "button",
              "data-testid": "spotlight",
              "aria-pressed": String(lit),
              onclick: () =>
                void this.app.run(
                  t(lit ? "action.endSpotlight" : "action.spotlight"),
                  this.app.client.spotlight(lit ? "" : feature.id),
                ),
            },
            t(lit ? "popup.endSpotlight" : "popup.spotlight"),
          ),
        ),
      );
    }
    parts.push(el("h3", {}, t("popup.comments")));
    for (const thread of threads) parts.push(this.thread(thread));
    // Every change in the room comes here (a chat line, a cursor's owner
    // joining): rebuilt only when what the popup shows changed. Replacing
    // the same buttons under a pointer loses the click in progress, and the
    // comment field its focus.
    const shown = parts.map((part) => part.outerHTML).join("");
    if (shown === this.shown) return;
    this.shown = shown;
    const input = el("input", {
      name: "comment",
      placeholder: t("popup.commentPlaceholder"),
      maxlength: 2000,
      "aria-label": t("popup.commentPlaceholder"),
    });
    // The text typed so far, and the focus, survive a re-render (someone
    // else's change).
    const typing = this.commentInput !== undefined && document.activeElement === this.commentInput;
    if (this.commentInput) input.value = this.commentInput.value;
    this.commentInput = input;
    parts.push(
      el(
        "form",
        {
          class: "row",
          onsubmit: (e: Event) => {
            e.preventDefault();
            const text = input.value.trim();
            if (!text) return;
            input.value = "";
            void this.comment(text, []);
          },
        },
        input,
        el("button", { type: "submit" }, t("popup.comment")),
        !this.app.isObserver() && this.attachToComment.button,
      ),
      this.attachToComment.note,
    );
    replaceChildren(this.live, ...parts);
    if (typing) input.focus();
  }

  // A thread: its comments (a facilitator deletes any, with a reason; an
  // author their own), and resolve or reopen for facilitators and the
  // thread's author.
  private thread(thread: Thread): HTMLElement {
    const list = el("ul", { class: "comments", "data-testid": "comments" });
    const facilitator = this.app.isFacilitator();
    for (const c of thread.comments) {
      const item = el(
        "li",
        { "data-testid": "comment" },
        el("strong", {}, c.authorName),
        ` ${clockTime(c.timeMs)} `,
        c.deleted
          ? el("em", {}, c.deleteReason ? t("chat.deletedReason", { reason: c.deleteReason }) : t("chat.deleted"))
          : c.text,
        !c.deleted && c.editedSeq ? ` ${t("chat.edited")}` : "",
        c.deleted ? null : attachmentStrip(this.app, c.attachmentIds, c.text),
      );
      // The author, or a facilitator, corrects (EditComment's rule) or deletes a comment.
      if (!c.deleted && (facilitator || c.authorId === this.app.myId))
        item.append(
          " ",
          el(
            "button",
            {
              type: "button",
              class: "small",
              "data-testid": "edit-comment",
              "aria-label": t("edit.commentLabel"),
              onclick: () => {
                const text = askCorrection(c.text);
                if (text === null) return;
                void this.app.run(t("edit.commentAction"), this.app.client.editComment(thread.id, c.seq, text));
              },
            },
            t("edit.button"),
          ),
          " ",
          el(
            "button",
            {
              type: "button",
              class: "danger small",
              "data-testid": "delete-comment",
              "aria-label": t("popup.deleteComment"),
              onclick: () => {
                const reason = facilitator
                  ? prompt(t("chat.deleteReason"))
                  : confirm(t("popup.confirmDeleteComment"))
                    ? ""
                    : null;
                if (reason === null) return;
                void this.app.run(
                  t("action.deleteComment"),
                  this.app.client.deleteComment(thread.id, c.seq, reason.trim()),
                );
              },
            },
            "×",
          ),
        );
      list.append(item);
    }
    const mayResolve = facilitator || thread.authorId === this.app.myId;
    return el(
      "div",
      {
        class: "thread" + (thread.resolved ? " resolved" : ""),
        "data-testid": "thread",
        "data-resolved": String(thread.resolved),
      },
      list,
      thread.resolved ? el("em", {}, t("popup.resolved")) : null,
      mayResolve
        ? el(
            "button",
            {
              type: "button",
              "data-testid": thread.resolved ? "reopen-thread" : "resolve-thread",
              onclick: () =>
                void this.app.run(
                  t(thread.resolved ? "action.reopen" : "action.resolve"),
                  this.app.client.resolveThread(thread.id, !thread.resolved),
                ),
            },
            t(thread.resolved ? "popup.reopen" : "popup.resolve"),
          )
        : null,
    );
  }
}
