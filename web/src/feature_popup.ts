// A feature's popup: its title, description, colour and category (editable
// by whoever may edit it), delete, its comment thread, and dots when a vote
// round is open. The form is built when the popup opens; the live part
// (comments, dots) is rebuilt on every change of the room.
import { FeatureKind, randomId, type Feature, type Thread } from "@maptable/client";

import type { AppContext } from "./context.js";
import { clockTime, el, replaceChildren } from "./dom.js";
import { safeColour } from "./geometry.js";

export class FeaturePopup {
  readonly element: HTMLElement;
  private readonly live: HTMLElement;

  constructor(
    private readonly app: AppContext,
    readonly featureId: string,
  ) {
    const feature = app.client.replica.findFeature(featureId);
    this.live = el("div", { class: "popup-live" });
    this.element = el("div", { class: "feature-popup", "data-testid": "feature-popup", "data-feature-id": featureId });
    if (!feature) {
      this.element.append("This feature was deleted.");
      return;
    }
    this.element.append(this.form(feature), this.live);
    this.refresh();
  }

  private form(feature: Feature): HTMLElement {
    const editable = this.mayEdit(feature);
    const title = el("input", { name: "title", value: feature.title, maxlength: 200, disabled: !editable, "aria-label": "title" });
    const description = el("textarea", { name: "description", rows: 3, disabled: !editable, "aria-label": "description" }, feature.description);
    const colour = el("input", { name: "colour", type: "color", value: safeColour(feature.colour), disabled: !editable, "aria-label": "colour" });
    const category = el("input", { name: "category", value: feature.category, list: "categories", disabled: !editable, "aria-label": "category" });
    const kind = FeatureKind[feature.geometry?.kind ?? FeatureKind.POINT]?.toLowerCase() ?? "feature";
    const form = el("form", { class: "feature-form" },
      el("div", { class: "meta" }, `${kind} by ${feature.authorName || feature.authorId}`),
      title, description,
      el("div", { class: "row" }, el("label", {}, "Colour ", colour), el("label", {}, "Category ", category)),
    );
    if (editable) {
      form.append(el("div", { class: "row" },
        el("button", { type: "submit" }, "Save"),
        el("button", {
          type: "button", class: "danger", "data-testid": "delete-feature",
          onclick: () => void this.app.run(`Deleting '${feature.title}'`, this.app.client.deleteFeature(feature.id)),
        }, "Delete"),
      ));
    }
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.app.run(`Saving '${feature.title}'`, this.app.client.updateFeature(feature.id, {
        title: title.value.trim(),
        description: description.value,
        colour: colour.value,
        category: category.value.trim(),
      }));
    });
    return form;
  }

  // Authors edit their own; facilitators any (the server decides in the end).
  private mayEdit(feature: Feature): boolean {
    return this.app.isFacilitator() || (!this.app.isObserver() && feature.authorId === this.app.myId);
  }

  refresh(): void {
    const state = this.app.client.replica.state;
    const feature = state.features.get(this.featureId);
    if (!feature) {
      replaceChildren(this.live, el("em", {}, "deleted"));
      return;
    }
    const threads = [...state.threads.values()].filter((t) => t.featureId === this.featureId);
    const parts: HTMLElement[] = [];
    for (const vote of state.votes.values()) {
      if (vote.closed) continue;
      const mine = vote.ballots.filter((b) => b.featureId === feature.id && (b.voter === this.app.myId || b.voter === this.app.client.ballotId));
      const total = vote.ballots.filter((b) => b.featureId === feature.id).reduce((n, b) => n + b.dots, 0);
      const myDots = mine.reduce((n, b) => n + b.dots, 0);
      parts.push(el("div", { class: "row vote", "data-testid": "feature-vote" },
        el("span", {}, `${vote.title}: `, vote.resultsHidden ? `${myDots} of your dots` : `${total} dots (${myDots} yours)`),
        el("button", { type: "button", onclick: () => void this.app.run("Your dot", this.app.client.placeDot(vote.id, feature.id)) }, "+ dot"),
        myDots ? el("button", { type: "button", onclick: () => void this.app.run("Taking the dot back", this.app.client.removeDot(vote.id, feature.id)) }, "− dot") : null,
      ));
    }
    parts.push(el("h4", {}, "Comments"));
    for (const thread of threads) parts.push(this.thread(thread));
    const input = el("input", { name: "comment", placeholder: "Add a comment", maxlength: 2000, "aria-label": "comment" });
    const existing = threads.find((t) => !t.resolved) ?? threads[0];
    parts.push(el("form", {
      class: "row", onsubmit: (e: Event) => {
        e.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        input.value = "";
        const sent = existing
          ? this.app.client.addComment(existing.id, text)
          : this.app.client.startThread("t-" + randomId(6), { featureId: feature.id }, text);
        void this.app.run("Your comment", sent);
      },
    }, input, el("button", { type: "submit" }, "Comment")));
    replaceChildren(this.live, ...parts);
  }

  private thread(thread: Thread): HTMLElement {
    const list = el("ul", { class: "comments", "data-testid": "comments" });
    for (const c of thread.comments)
      list.append(el("li", {}, el("strong", {}, c.authorName), ` ${clockTime(c.timeMs)} `, c.deleted ? el("em", {}, "(deleted)") : c.text));
    return el("div", { class: "thread" + (thread.resolved ? " resolved" : "") }, list,
      thread.resolved ? el("em", {}, "resolved") : null);
  }
}
