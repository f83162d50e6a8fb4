// The facilitator's tools: agenda steps, the shared timer, bringing everyone
// to my view (once, or following me), lock settings, hands, dot voting and
// the exports. Shown to facilitators only; the server checks every command.
import { Audience, ControlTimer_Action, randomId, type AgendaStep } from "@maptable/client";

import type { AppContext } from "./context.js";
import { clockTimeWithZone, el, replaceChildren, saveFile } from "./dom.js";
import type { MapView } from "./map_view.js";
import { t, type MessageKey } from "./i18n/index.js";
import { notify } from "./status.js";

const exports: { path: string; file: string; label: MessageKey }[] = [
  { path: "export/geojson", file: "geojson", label: "export.geojson" },
  { path: "export/chat.csv", file: "chat.csv", label: "export.chat" },
  { path: "export/comments.csv", file: "comments.csv", label: "export.comments" },
  { path: "export/report.md", file: "report.md", label: "export.report" },
];

export class FacilitatorPanel {
  private readonly agenda = el("ol", { class: "agenda", "data-testid": "agenda" });
  private readonly votes = el("div", { class: "votes", "data-testid": "votes" });
  private readonly mapLocked = el("input", { type: "checkbox", "data-testid": "lock-map" });
  private readonly hideCursors = el("input", { type: "checkbox", "data-testid": "hide-cursors" });
  private readonly chatAudience = el(
    "select",
    { "data-testid": "chat-audience" },
    el("option", { value: String(Audience.UNSPECIFIED) }, t("audience.participants")),
    el("option", { value: String(Audience.FACILITATORS) }, t("audience.facilitators")),
    el("option", { value: String(Audience.EVERYONE) }, t("audience.everyone")),
  );
  private readonly session = el("div", { class: "session", "data-testid": "session" });
  private readonly followButton = el("button", { type: "button", "data-testid": "follow-me" }, t("fac.follow"));

  constructor(
    root: HTMLElement,
    private readonly app: AppContext,
    private readonly map: MapView,
  ) {
    const client = app.client;
    this.mapLocked.addEventListener(
      "change",
      () => void app.run(t("action.lockMap"), client.updateSettings({ mapLocked: this.mapLocked.checked })),
    );
    this.hideCursors.addEventListener(
      "change",
      () => void app.run(t("action.hideCursors"), client.updateSettings({ hideCursors: this.hideCursors.checked })),
    );
    this.chatAudience.addEventListener(
      "change",
      () =>
        void app.run(
          t("action.whoChats"),
          client.updateSettings({ chat: Number(this.chatAudience.value) as Audience }),
        ),
    );
    this.followButton.addEventListener("click", () => {
      const leading = client.replica.state.follow.leaderId === app.myId;
      void app.run(t("action.leadView"), client.setFollow(!leading));
    });

    const minutes = el("input", {
      type: "number",
      min: 1,
      max: 1440,
      value: 5,
      size: 4,
      "aria-label": t("fac.minutes"),
    });
    const timer = (action: ControlTimer_Action, what: string) => () =>
      void app.run(what, client.controlTimer(action, BigInt(Math.round(Number(minutes.value) * 60_000))));

    root.append(
      el("h2", {}, t("fac.session")),
      this.session,
      el("h2", {}, t("fac.room")),
      this.roomForm(),
      el("h2", {}, t("fac.agenda")),
      this.agenda,
      this.stepForm(),
      el("h2", {}, t("fac.timer")),
      el(
        "div",
        { class: "row wrap" },
        minutes,
        ` ${t("fac.min")} `,
        el(
          "button",
          {
            type: "button",
            "data-testid": "timer-start",
            onclick: timer(ControlTimer_Action.START, t("action.startTimer")),
          },
          t("fac.start"),
        ),
        el(
          "button",
          { type: "button", onclick: timer(ControlTimer_Action.PAUSE, t("action.pauseTimer")) },
          t("fac.pause"),
        ),
        el(
          "button",
          { type: "button", onclick: timer(ControlTimer_Action.RESUME, t("action.resumeTimer")) },
          t("fac.resume"),
        ),
        el(
          "button",
          {
            type: "button",
            "data-testid": "timer-reset",
            onclick: timer(ControlTimer_Action.RESET, t("action.resetTimer")),
          },
          t("fac.reset"),
        ),
      ),
      el("h2", {}, t("fac.view")),
      el(
        "div",
        { class: "row wrap" },
        el(
          "button",
          {
            type: "button",
            "data-testid": "share-view",
            onclick: () => void app.run(t("action.shareView"), client.shareView(map.viewport())),
          },
          t("fac.shareView"),
        ),
        this.followButton,
      ),
      el("h2", {}, t("fac.settings")),
      el("label", { class: "row" }, this.mapLocked, ` ${t("fac.mapLocked")}`),
      el("label", { class: "row" }, this.hideCursors, ` ${t("fac.hideCursors")}`),
      el("label", { class: "row" }, `${t("fac.whoChats")} `, this.chatAudience),
      el("h2", {}, t("fac.hands")),
      el(
        "div",
        { class: "row wrap" },
        el(
          "button",
          { type: "button", onclick: () => void app.run(t("action.callNext"), client.callNextHand()) },
          t("fac.callNext"),
        ),
        el(
          "button",
          { type: "button", onclick: () => void app.run(t("action.clearHands"), client.clearHands()) },
          t("fac.clearHands"),
        ),
      ),
      el("h2", {}, t("fac.voting")),
      this.voteForm(),
      this.votes,
      el("h2", {}, t("fac.exports")),
      el(
        "div",
        { class: "row wrap" },
        ...exports.map((x) =>
          el(
            "button",
            { type: "button", "data-testid": `export-${x.file}`, onclick: () => void this.download(x.path, x.file) },
            t(x.label),
          ),
        ),
      ),
    );
  }

  // The room's title, description and start view (where a joining map opens).
  private roomForm(): HTMLElement {
    const info = this.app.client.replica.state.info;
    const title = el("input", {
      value: info.title,
      maxlength: 200,
      "aria-label": t("fac.roomTitle"),
      placeholder: t("fac.roomTitle"),
      "data-testid": "room-title-input",
    });
    const description = el(
      "textarea",
      { rows: 2, maxlength: 2000, "aria-label": t("fac.roomDescription"), placeholder: t("fac.roomDescription") },
      info.description,
    );
    const here = el("input", { type: "checkbox" });
    const form = el(
      "form",
      { class: "step-form", "data-testid": "room-form" },
      title,
      description,
      el(
        "div",
        { class: "row wrap" },
        el("label", {}, here, ` ${t("fac.roomStartHere")}`),
        el("button", { type: "submit" }, t("fac.roomSave")),
      ),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const centre = this.map.map.getCenter().wrap();
      void this.app.run(
        t("action.roomInfo"),
        this.app.client.updateRoomInfo({
          title: title.value.trim(),
          description: description.value.trim(),
          ...(here.checked ? { center: { lon: centre.lng, lat: centre.lat }, zoom: this.map.map.getZoom() } : {}),
        }),
      );
    });
    return form;
  }

  private stepForm(): HTMLElement {
    const title = el("input", {
      placeholder: t("fac.stepTitle"),
      required: true,
      maxlength: 200,
      "aria-label": t("fac.stepTitle"),
    });
    const prompt = el("input", {
      placeholder: t("fac.stepPrompt"),
      maxlength: 1000,
      "aria-label": t("fac.stepPrompt"),
    });
    const minutes = el("input", {
      type: "number",
      min: 0,
      max: 1440,
      value: 0,
      size: 3,
      "aria-label": t("fac.stepMinutes"),
    });
    const withView = el("input", { type: "checkbox", checked: true });
    const form = el(
      "form",
      { class: "step-form" },
      title,
      prompt,
      el(
        "div",
        { class: "row wrap" },
        minutes,
        ` ${t("fac.min")} `,
        el("label", {}, withView, ` ${t("fac.withView")}`),
        el("button", { type: "submit" }, t("fac.addStep")),
      ),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const center = this.map.map.getCenter().wrap();
      const steps: Partial<AgendaStep>[] = this.app.client.replica.state.agenda.map((s) => ({ ...s }));
      steps.push({
        id: "s-" + randomId(4),
        title: title.value.trim(),
        prompt: prompt.value.trim(),
        timerSeconds: Math.round(Number(minutes.value) * 60),
        view: withView.checked
          ? ({ center: { lon: center.lng, lat: center.lat }, zoom: this.map.map.getZoom() } as AgendaStep["view"])
          : undefined,
      });
      title.value = "";
      prompt.value = "";
      void this.app.run(t("action.agenda"), this.app.client.setAgenda(steps as AgendaStep[]));
    });
    return form;
  }

  private voteForm(): HTMLElement {
    const title = el("input", {
      placeholder: t("fac.voteTitle"),
      required: true,
      maxlength: 200,
      "aria-label": t("fac.voteTitle"),
    });
    const dots = el("input", {
      type: "number",
      min: 1,
      max: 100,
      value: 3,
      size: 3,
      "aria-label": t("fac.dotsPerPerson"),
    });
    const category = el("input", {
      placeholder: t("fac.voteCategory"),
      list: "categories",
      size: 10,
      "aria-label": t("fac.voteCategory"),
    });
    const minutes = el("input", {
      type: "number",
      min: 0,
      max: 1440,
      value: 0,
      "aria-label": t("fac.voteMinutes"),
      "data-testid": "vote-minutes",
    });
    const anonymous = el("input", { type: "checkbox", "data-testid": "vote-anonymous" });
    const hidden = el("input", { type: "checkbox", "data-testid": "vote-hidden" });
    const form = el(
      "form",
      { class: "row wrap", "data-testid": "vote-form" },
      title,
      dots,
      ` ${t("fac.dots")} `,
      category,
      el("label", {}, `${t("fac.voteMinutes")} `, minutes),
      el("label", {}, anonymous, ` ${t("fac.anonymous")}`),
      el("label", {}, hidden, ` ${t("fac.hideResults")}`),
      el("button", { type: "submit" }, t("fac.openVote")),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.app.run(
        t("action.openVote"),
        this.app.client.openVote({
          id: "v-" + randomId(4),
          title: title.value.trim(),
          dotsPerPerson: Number(dots.value),
          category: category.value.trim(),
          anonymous: anonymous.checked,
          resultsHidden: hidden.checked,
          // In server time: the server closes the round then, whatever this clock says.
          endTimeMs:
            Number(minutes.value) > 0
              ? BigInt(Math.round(Date.now() + this.app.client.serverClockOffsetMs + Number(minutes.value) * 60_000))
              : 0n,
        }),
      );
      title.value = "";
    });
    return form;
  }

  // The dated session (a workshop meeting): start one with a title, or end
  // the one that runs; what happens meanwhile is filed under it.
  private renderSession(): void {
    const state = this.app.client.replica.state;
    const running = state.currentSession ? state.sessions.find((s) => s.id === state.currentSession) : undefined;
    if (running) {
      if (this.session.dataset.running === String(running.id)) return;
      this.session.dataset.running = String(running.id);
      replaceChildren(
        this.session,
        el(
          "div",
          { class: "row wrap" },
          el(
            "span",
            { "data-testid": "session-running" },
            t("fac.sessionRunning", { title: running.title, time: clockTimeWithZone(running.startedMs) }),
          ),
          el(
            "button",
            {
              type: "button",
              "data-testid": "end-session",
              onclick: () => void this.app.run(t("action.endSession"), this.app.client.endSession()),
            },
            t("fac.endSession"),
          ),
        ),
      );
      return;
    }
    if (this.session.dataset.running === "") return;
    this.session.dataset.running = "";
    const title = el("input", {
      placeholder: t("fac.sessionTitle"),
      "aria-label": t("fac.sessionTitle"),
      maxlength: 200,
      "data-testid": "session-title",
    });
    const form = el(
      "form",
      { class: "row wrap" },
      title,
      el("button", { type: "submit", "data-testid": "start-session" }, t("fac.startSession")),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.app.run(t("action.startSession"), this.app.client.startSession(title.value.trim()));
    });
    replaceChildren(this.session, form);
  }

  render(): void {
    this.renderSession();
    const state = this.app.client.replica.state;
    replaceChildren(
      this.agenda,
      ...state.agenda.map((s) =>
        el(
          "li",
          { class: s.id === state.currentStep ? "current" : "" },
          el("span", {}, s.title),
          s.timerSeconds ? ` ${t("fac.stepLength", { count: Math.round(s.timerSeconds / 60) })}` : "",
          s.id === state.currentStep
            ? el(
                "button",
                {
                  type: "button",
                  onclick: () => void this.app.run(t("action.closeStep"), this.app.client.openAgendaStep("")),
                },
                t("fac.close"),
              )
            : el(
                "button",
                {
                  type: "button",
                  onclick: () =>
                    void this.app.run(t("action.openStep", { title: s.title }), this.app.client.openAgendaStep(s.id)),
                },
                t("fac.open"),
              ),
        ),
      ),
    );
    if (document.activeElement !== this.mapLocked) this.mapLocked.checked = state.settings.mapLocked;
    if (document.activeElement !== this.hideCursors) this.hideCursors.checked = state.settings.hideCursors;
    if (document.activeElement !== this.chatAudience) this.chatAudience.value = String(state.settings.chat);
    this.followButton.textContent = state.follow.leaderId === this.app.myId ? t("fac.stopLeading") : t("fac.follow");
    const rounds = [...state.votes.values()].sort((a, b) => Number(b.openedSeq - a.openedSeq));
    replaceChildren(
      this.votes,
      ...rounds.map((v) => {
        const tally = new Map<string, number>();
        for (const b of v.ballots) tally.set(b.featureId, (tally.get(b.featureId) ?? 0) + b.dots);
        const rows = v.closed
          ? v.results.map((r) => [r.title || r.featureId, r.dots] as const)
          : [...tally].sort((a, b) => b[1] - a[1]).map(([id, n]) => [state.features.get(id)?.title ?? id, n] as const);
        return el(
          "div",
          { class: "vote-round", "data-testid": "vote-round" },
          el("strong", {}, v.title),
          ` ${t(v.closed ? "fac.voteClosed" : "fac.voteOpen", { count: v.dotsPerPerson })} `,
          v.anonymous ? `· ${t("vote.anonymous")} ` : "",
          v.resultsHidden ? `· ${t("vote.hiddenResults")} ` : "",
          v.closed
            ? null
            : el(
                "button",
                {
                  type: "button",
                  onclick: () => void this.app.run(t("action.closeVote"), this.app.client.closeVote(v.id)),
                },
                t("fac.close"),
              ),
          el("ol", {}, ...rows.map(([name, n]) => el("li", {}, t("fac.tally", { title: name, count: n })))),
        );
      }),
    );
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
        notify(t("export.refused", { reason: body.error ?? res.statusText }), "error", String(res.status));
        return;
      }
      saveFile(await res.blob(), `${room}.${suffix}`);
    } catch (error) {
      notify(t("export.failed", { reason: String(error) }), "error");
    }
  }
}
