// Who is here (with their roles, muted or not), the queue of raised hands and
// who has the floor, and this page's own hand.
import type { AppContext } from "./context.js";
import { roleLabel, roleName } from "./context.js";
import { byId, el, replaceChildren } from "./dom.js";
import { t } from "./i18n/index.js";

export class PeoplePanel {
  private readonly list = el("ul", { class: "people", "data-testid": "participants" });
  private readonly hands = el("div", { class: "hands", "data-testid": "hands" });
  private readonly handButton = el("button", { type: "button", "data-testid": "raise-hand" }, t("people.raise"));

  constructor(
    root: HTMLElement,
    private readonly app: AppContext,
  ) {
    this.handButton.addEventListener("click", () => {
      const raised = this.myHandRaised();
      void app.run(raised ? t("action.lowerHand") : t("action.raiseHand"), app.client.raiseHand(!raised));
    });
    root.append(
      el("h2", {}, t("people.online")),
      this.list,
      el("h2", {}, t("people.hands")),
      this.hands,
      this.handButton,
    );
  }

  private myHandRaised(): boolean {
    return this.app.client.replica.state.hands.some((h) => h.participantId === this.app.myId);
  }

  // A facilitator's controls for one person: mute or unmute (chat and
  // comments), and remove from the room (their link stops working).
  private controls(id: string, name: string, muted: boolean): HTMLElement {
    const client = this.app.client;
    return el(
      "span",
      { class: "person-controls" },
      el(
        "button",
        {
          type: "button",
          "data-testid": muted ? "unmute" : "mute",
          "aria-label": t(muted ? "people.unmuteName" : "people.muteName", { name }),
          onclick: () =>
            void this.app.run(t(muted ? "action.unmute" : "action.mute", { name }), client.muteParticipant(id, !muted)),
        },
        t(muted ? "people.unmute" : "people.mute"),
      ),
      el(
        "button",
        {
          type: "button",
          class: "danger",
          "data-testid": "remove",
          "aria-label": t("people.removeName", { name }),
          onclick: () => {
            const reason = prompt(t("people.removeConfirm", { name }));
            if (reason === null) return;
            void this.app.run(t("action.remove", { name }), client.removeParticipant(id, reason.trim()));
          },
        },
        t("people.remove"),
      ),
    );
  }

  render(): void {
    const state = this.app.client.replica.state;
    const online = [...this.app.client.online].sort((a, b) => a.role - b.role || a.name.localeCompare(b.name));
    replaceChildren(
      this.list,
      ...online.map((p) => {
        const hand = state.hands.findIndex((h) => h.participantId === p.id);
        return el(
          "li",
          { "data-testid": "participant", "data-participant": p.id, "data-role": roleName(p.role) },
          el("span", { class: "name" }, p.name),
          p.id === this.app.myId ? ` ${t("people.you")}` : "",
          el("span", { class: `role ${roleName(p.role)}` }, roleLabel(p.role)),
          state.muted.has(p.id) ? el("span", { class: "badge" }, t("people.muted")) : null,
          hand >= 0
            ? el(
                "span",
                { class: "badge hand", title: t("people.handQueue", { position: hand + 1 }) },
                `✋ ${hand + 1}`,
              )
            : null,
          state.speaking.participantId === p.id ? el("span", { class: "badge speaking" }, t("people.speaking")) : null,
          this.app.isFacilitator() && p.id !== this.app.myId
            ? this.controls(p.id, p.name, state.muted.has(p.id))
            : null,
        );
      }),
    );
    byId("people-count").textContent = `(${online.length})`;
    const queue = state.hands.map((h, i) => el("li", { "data-testid": "hand" }, `${i + 1}. ${h.name}`));
    replaceChildren(
      this.hands,
      state.speaking.participantId
        ? el("p", { "data-testid": "speaking" }, t("people.speakingNow", { name: state.speaking.name }))
        : null,
      queue.length ? el("ol", {}, ...queue) : el("p", { class: "muted-text" }, t("people.noHands")),
    );
    this.handButton.textContent = this.myHandRaised() ? t("people.lower") : t("people.raise");
    this.handButton.hidden = this.app.isObserver();
  }
}
