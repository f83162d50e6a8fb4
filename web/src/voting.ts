// Dot voting as a participant sees it: the banner while a round is open (its
// question, the dots I have left, the time left) and the results once it
// closed; and the dots a feature has, for its badge on the map. A round with
// hidden results shows each person only their own dots until it closes.
import type { VoteRound } from "@maptable/client";

import type { AppContext } from "./context.js";
import { byId, el, replaceChildren } from "./dom.js";
import { t } from "./i18n/index.js";
import { roomTime, roomZoneOf } from "./room_info.js";

// The newest open round, if any (the server allows several; the newest is
// the one the room is talking about).
export function openRound(app: AppContext): VoteRound | undefined {
  let newest: VoteRound | undefined;
  for (const round of app.client.replica.state.votes.values())
    if (!round.closed && (!newest || round.openedSeq > newest.openedSeq)) newest = round;
  return newest;
}

function isMine(app: AppContext, voter: string): boolean {
  return voter === app.myId || (app.client.ballotId !== "" && voter === app.client.ballotId);
}

export function myDotsIn(app: AppContext, round: VoteRound, featureId?: string): number {
  return round.ballots
    .filter((b) => isMine(app, b.voter) && (featureId === undefined || b.featureId === featureId))
    .reduce((n, b) => n + b.dots, 0);
}

// What a feature's badge shows in the open round: all its dots, or only
// mine while the results are hidden; 0 = no badge.
export function badgeDots(app: AppContext, featureId: string): number {
  const round = openRound(app);
  if (!round) return 0;
  if (round.resultsHidden) return myDotsIn(app, round, featureId);
  return round.ballots.filter((b) => b.featureId === featureId).reduce((n, b) => n + b.dots, 0);
}

export class VoteBanner {
  private readonly node = byId("vote-banner");
  private dismissed = new Set<string>();

  constructor(private readonly app: AppContext) {}

  render(): void {
    const state = this.app.client.replica.state;
    const round = openRound(this.app);
    if (round) {
      const left = Math.max(0, round.dotsPerPerson - myDotsIn(this.app, round));
      const end = Number(round.endTimeMs);
      // Rounded, not rounded up: each page's estimate of the server's clock
      // is off by its own latency, and rounded up a fresh 10-minute round
      // showed 10:01 on a page whose estimate ran a few ms behind the
      // facilitator's.
      const seconds = end
        ? Math.max(0, Math.round((end - (Date.now() + this.app.client.serverClockOffsetMs)) / 1000))
        : 0;
      const roomZone = roomZoneOf(state.info);
      this.node.hidden = false;
      this.node.dataset.state = "open";
      this.node.dataset.dotsLeft = String(left);
      replaceChildren(
        this.node,
        el("strong", {}, t("vote.open", { title: round.title })),
        " ",
        el("span", { "data-testid": "dots-left" }, t("vote.dotsLeft", { count: left, total: round.dotsPerPerson })),
        end
          ? el(
              "span",
              { class: "vote-time" },
              ` · ${t("vote.timeLeft", { time: `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}` })}`,
              // When the room meets in a zone, the end by the clock too, in
              // the room's zone and the reader's: "ends 14:10 Lisbon · 15:10 your time".
              roomZone
                ? el(
                    "span",
                    { "data-testid": "vote-ends" },
                    ` (${t("tz.voteEnds", { time: roomTime(end - this.app.client.serverClockOffsetMs, roomZone) })})`,
                  )
                : null,
            )
          : null,
        el("div", { class: "vote-hint" }, t("vote.hint"), round.resultsHidden ? ` ${t("vote.hiddenNote")}` : ""),
      );
      return;
    }
    // No round open: the results of the one that closed last, until dismissed.
    let last: VoteRound | undefined;
    for (const v of state.votes.values()) if (v.closed && (!last || v.closedSeq > last.closedSeq)) last = v;
    if (!last || this.dismissed.has(last.id)) {
      this.node.hidden = true;
      this.node.dataset.state = "none";
      return;
    }
    const shown = last;
    const rows = [...shown.results].sort((a, b) => b.dots - a.dots).filter((r) => r.dots > 0);
    this.node.hidden = false;
    this.node.dataset.state = "results";
    replaceChildren(
      this.node,
      el("strong", {}, t("vote.results", { title: shown.title })),
      rows.length
        ? el(
            "ol",
            { class: "vote-results", "data-testid": "vote-results" },
            ...rows.slice(0, 10).map((r) =>
              el(
                "li",
                {},
                t("fac.tally", {
                  title: r.title || state.features.get(r.featureId)?.title || r.featureId,
                  count: r.dots,
                }),
              ),
            ),
          )
        : el("p", {}, t("vote.noDots")),
      el(
        "button",
        {
          type: "button",
          class: "close",
          onclick: () => {
            this.dismissed.add(shown.id);
            this.render();
          },
        },
        t("vote.dismiss"),
      ),
    );
  }
}
