// The facilitator's tools: agenda steps, the shared timer, bringing everyone
// to my view (once, or following me), lock settings, hands, dot voting and
// the exports. Shown to facilitators only; the server checks every command.
import { Audience, ControlTimer_Action, randomId, type AgendaStep } from "@maptable/client";

import type { AppContext } from "./context.js";
import { el, replaceChildren } from "./dom.js";
import type { MapView } from "./map_view.js";
import { notify } from "./status.js";

const exports = [
  { path: "export/geojson", file: "geojson", label: "Map (GeoJSON)" },
  { path: "export/chat.csv", file: "chat.csv", label: "Chat (CSV)" },
  { path: "export/comments.csv", file: "comments.csv", label: "Comments (CSV)" },
  { path: "export/report.md", file: "report.md", label: "Report (Markdown)" },
];

export class FacilitatorPanel {
  private readonly agenda = el("ol", { class: "agenda", "data-testid": "agenda" });
  private readonly votes = el("div", { class: "votes", "data-testid": "votes" });
  private readonly mapLocked = el("input", { type: "checkbox", "data-testid": "lock-map" });
  private readonly hideCursors = el("input", { type: "checkbox", "data-testid": "hide-cursors" });
  private readonly chatAudience = el("select", { "data-testid": "chat-audience" },
    el("option", { value: String(Audience.DEFAULT) }, "participants"),
    el("option", { value: String(Audience.FACILITATORS) }, "facilitators only"),
    el("option", { value: String(Audience.EVERYONE) }, "everyone"));
  private readonly followButton = el("button", { type: "button", "data-testid": "follow-me" }, "Everyone follows me");

  constructor(root: HTMLElement, private readonly app: AppContext, private readonly map: MapView) {
    const client = app.client;
    this.mapLocked.addEventListener("change", () =>
      void app.run("Locking the map", client.updateSettings({ mapLocked: this.mapLocked.checked })));
    this.hideCursors.addEventListener("change", () =>
      void app.run("Hiding cursors", client.updateSettings({ hideCursors: this.hideCursors.checked })));
    this.chatAudience.addEventListener("change", () =>
      void app.run("Who may chat", client.updateSettings({ chat: Number(this.chatAudience.value) as Audience })));
    this.followButton.addEventListener("click", () => {
      const leading = client.replica.state.follow.leaderId === app.myId;
      void app.run("Leading the view", client.setFollow(!leading));
    });

    const minutes = el("input", { type: "number", min: 1, max: 1440, value: 5, size: 4, "aria-label": "minutes" });
    const timer = (action: ControlTimer_Action, what: string) => () =>
      void app.run(what, client.controlTimer(action, BigInt(Math.round(Number(minutes.value) * 60_000))));

    root.append(
      el("h3", {}, "Agenda"), this.agenda, this.stepForm(),
      el("h3", {}, "Timer"),
      el("div", { class: "row" }, minutes, " min ",
        el("button", { type: "button", "data-testid": "timer-start", onclick: timer(ControlTimer_Action.START, "Starting the timer") }, "Start"),
        el("button", { type: "button", onclick: timer(ControlTimer_Action.PAUSE, "Pausing the timer") }, "Pause"),
        el("button", { type: "button", onclick: timer(ControlTimer_Action.RESUME, "Resuming the timer") }, "Resume"),
        el("button", { type: "button", onclick: timer(ControlTimer_Action.RESET, "Resetting the timer") }, "Reset")),
      el("h3", {}, "View"),
      el("div", { class: "row" },
        el("button", { type: "button", "data-testid": "share-view", onclick: () => void app.run("Sharing your view", client.shareView(map.viewport())) },
          "Bring everyone to my view"),
        this.followButton),
      el("h3", {}, "Settings"),
      el("label", { class: "row" }, this.mapLocked, " Map locked (nobody draws or edits)"),
      el("label", { class: "row" }, this.hideCursors, " Hide participants' cursors"),
      el("label", { class: "row" }, "Who may chat ", this.chatAudience),
      el("h3", {}, "Hands"),
      el("div", { class: "row" },
        el("button", { type: "button", onclick: () => void app.run("Calling the next hand", client.callNextHand()) }, "Call next"),
        el("button", { type: "button", onclick: () => void app.run("Clearing the hands", client.clearHands()) }, "Clear all")),
      el("h3", {}, "Dot voting"), this.voteForm(), this.votes,
      el("h3", {}, "Exports"),
      el("div", { class: "row wrap" }, ...exports.map((x) =>
        el("button", { type: "button", "data-testid": `export-${x.file}`, onclick: () => void this.download(x.path, x.file) }, x.label))),
    );
  }

  private stepForm(): HTMLElement {
    const title = el("input", { placeholder: "step title", required: true, maxlength: 200, "aria-label": "step title" });
    const prompt = el("input", { placeholder: "question (optional)", maxlength: 1000, "aria-label": "step question" });
    const minutes = el("input", { type: "number", min: 0, max: 1440, value: 0, size: 3, "aria-label": "step minutes" });
    const withView = el("input", { type: "checkbox", checked: true });
    const form = el("form", { class: "step-form" }, title, prompt,
      el("div", { class: "row" }, minutes, " min ", el("label", {}, withView, " my current view"), el("button", { type: "submit" }, "Add step")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const center = this.map.map.getCenter().wrap();
      const steps: Partial<AgendaStep>[] = this.app.client.replica.state.agenda.map((s) => ({ ...s }));
      steps.push({
        id: "s-" + randomId(4),
        title: title.value.trim(),
        prompt: prompt.value.trim(),
        timerSeconds: Math.round(Number(minutes.value) * 60),
        view: withView.checked ? { center: { lon: center.lng, lat: center.lat }, zoom: this.map.map.getZoom() } as AgendaStep["view"] : undefined,
      });
      title.value = "";
      prompt.value = "";
      void this.app.run("The agenda", this.app.client.setAgenda(steps as AgendaStep[]));
    });
    return form;
  }

  private voteForm(): HTMLElement {
    const title = el("input", { placeholder: "what to vote on", required: true, maxlength: 200, "aria-label": "vote title" });
    const dots = el("input", { type: "number", min: 1, max: 100, value: 3, size: 3, "aria-label": "dots per person" });
    const category = el("input", { placeholder: "category (all)", list: "categories", size: 10, "aria-label": "vote category" });
    const form = el("form", { class: "row wrap" }, title, dots, " dots ", category, el("button", { type: "submit" }, "Open vote"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.app.run("Opening the vote", this.app.client.openVote({
        id: "v-" + randomId(4), title: title.value.trim(), dotsPerPerson: Number(dots.value), category: category.value.trim(),
      }));
      title.value = "";
    });
    return form;
  }

  render(): void {
    const state = this.app.client.replica.state;
    replaceChildren(this.agenda, ...state.agenda.map((s) => el("li", { class: s.id === state.currentStep ? "current" : "" },
      el("span", {}, s.title), s.timerSeconds ? ` (${Math.round(s.timerSeconds / 60)} min)` : "",
      s.id === state.currentStep
        ? el("button", { type: "button", onclick: () => void this.app.run("Closing the step", this.app.client.openAgendaStep("")) }, "Close")
        : el("button", { type: "button", onclick: () => void this.app.run(`Opening '${s.title}'`, this.app.client.openAgendaStep(s.id)) }, "Open"))));
    if (document.activeElement !== this.mapLocked) this.mapLocked.checked = state.settings.mapLocked;
    if (document.activeElement !== this.hideCursors) this.hideCursors.checked = state.settings.hideCursors;
    if (document.activeElement !== this.chatAudience) this.chatAudience.value = String(state.settings.chat);
    this.followButton.textContent = state.follow.leaderId === this.app.myId ? "Stop leading" : "Everyone follows me";
    const rounds = [...state.votes.values()].sort((a, b) => Number(b.openedSeq - a.openedSeq));
    replaceChildren(this.votes, ...rounds.map((v) => {
      const tally = new Map<string, number>();
      for (const b of v.ballots) tally.set(b.featureId, (tally.get(b.featureId) ?? 0) + b.dots);
      const rows = v.closed
        ? v.results.map((r) => [r.title || r.featureId, r.dots] as const)
        : [...tally].sort((a, b) => b[1] - a[1]).map(([id, n]) => [state.features.get(id)?.title ?? id, n] as const);
      return el("div", { class: "vote-round", "data-testid": "vote-round" },
        el("strong", {}, v.title), ` ${v.dotsPerPerson} dots · ${v.closed ? "closed" : "open"} `,
        v.closed ? null : el("button", { type: "button", onclick: () => void this.app.run("Closing the vote", this.app.client.closeVote(v.id)) }, "Close"),
        el("ol", {}, ...rows.map(([name, n]) => el("li", {}, `${name}: ${n}`))));
    }));
  }

  // Exports need the token in a header, so they are fetched and saved from here.
  private async download(path: string, suffix: string): Promise<void> {
    const room = this.app.invite.roomId;
    try {
      const res = await fetch(`/v1/rooms/${encodeURIComponent(room)}/${path}`, {
        headers: { Authorization: `Bearer ${this.app.invite.token}` },
        cache: "no-store",
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: string };
        notify(`The export was refused: ${body.error ?? res.statusText}`, "error", String(res.status));
        return;
      }
      const url = URL.createObjectURL(await res.blob());
      const link = el("a", { href: url, download: `${room}.${suffix}` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      notify(`The export failed: ${String(error)}`, "error");
    }
  }
}
