// The app's part for breakout groups: split, the groups' banner and broadcast, back to plenary.
// Mounted once per joined room by main.ts; render() runs after every change
// of the replica (batched per animation frame).
//
// A page holds one client for one room, so moving between the plenary and a
// group's room is a new page for the other room: the server mints a token
// for the group's room (POST /v1/rooms/{room}/breakouts/token), the page
// keeps the plenary's invitation in this tab's sessionStorage and opens the
// group's room as an invitation link would. When the round ends (the
// group's room marks it ended), the page opens the plenary again, where each
// group's results are a reference layer.
import "./breakouts.css";

import { Role } from "@maptable/client";

import type { AppContext } from "./context.js";
import { byId, el, replaceChildren } from "./dom.js";
import { t } from "./i18n/index.js";
import type { MapView } from "./map_view.js";
import { notify } from "./status.js";

export interface RoomPart {
  render(): void;
}

// The plenary this tab came from: { roomId, token }.
const plenaryKey = "maptable.breakout.plenary";
// The round this tab came back from: its plenary may still say "open" for a
// moment (the groups' rooms hear the end first), and must not send it back.
const doneKey = "maptable.breakout.done";

function session(key: string, value?: string): string | null {
  try {
    if (value === undefined) return sessionStorage.getItem(key);
    sessionStorage.setItem(key, value);
  } catch {
    // storage disabled
  }
  return null;
}

interface Answer {
  ok: boolean;
  status: number;
  json: Record<string, unknown>;
}

interface Stored {
  roomId: string;
  token: string;
}

function storedPlenary(): Stored | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(plenaryKey) ?? "null") as Partial<Stored> | null;
    return value?.roomId && value.token ? { roomId: value.roomId, token: value.token } : undefined;
  } catch {
    return undefined;
  }
}

function clock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export function mountBreakouts(app: AppContext, map: MapView, schedule: () => void): RoomPart {
  void map;
  const client = app.client;
  const room = app.invite.roomId;
  const base = `/v1/rooms/${encodeURIComponent(room)}/breakouts`;
  const banner = el("section", {
    id: "breakout-banner",
    class: "breakout-banner",
    "data-testid": "breakout-banner",
    "aria-label": t("breakout.region"),
    hidden: true,
  });
  byId("vote-banner").before(banner);

  // What is drawn now: rebuilt only when this changes, so that a half-typed
  // broadcast survives the replica's other changes.
  let shown = "";
  let timeNode: HTMLElement | undefined;
  let endsMs = 0;
  let askedFor = ""; // the round whose token this page asked for
  let leaving: Stored | undefined; // where the page goes once nothing is pending
  let left = false;

  const post = async (path: string, body?: unknown): Promise<Answer> => {
    try {
      const res = await fetch(base + path, {
        method: "POST",
        headers: { Authorization: `Bearer ${app.invite.token}`, "Content-Type": "application/json" },
        body: body === undefined ? "{}" : JSON.stringify(body),
        cache: "no-store",
      });
      const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      return { ok: res.ok, status: res.status, json };
    } catch (error) {
      return { ok: false, status: 0, json: { error: String(error) } };
    }
  };

  // Opens another room in this tab as an invitation link does; waits for
  // changes not yet confirmed, which would otherwise stay behind.
  const go = (target: Stored) => {
    leaving = target;
    if (client.pendingCount > 0 || left) return;
    left = true;
    const save = client.saveNow().catch(() => {
      // unsaved: the server has every change already (nothing was pending)
    });
    void save.then(() => {
      location.hash = `room=${encodeURIComponent(target.roomId)}&token=${encodeURIComponent(target.token)}`;
      location.reload();
    });
  };

  const moveTo = async (groupId?: string) => {
    const answer = await post(`/token${groupId ? `?group=${encodeURIComponent(groupId)}` : ""}`);
    if (!answer.ok) {
      notify(t("breakout.moveFailed", { reason: String(answer.json.error ?? answer.status) }), "error");
      return;
    }
    session(plenaryKey, JSON.stringify({ roomId: room, token: app.invite.token }));
    notify(t("breakout.moving", { name: String(answer.json.group_name) }));
    go({ roomId: String(answer.json.room), token: String(answer.json.token) });
  };

  const backToPlenary = () => {
    const plenary = storedPlenary();
    if (!plenary) return;
    const of = client.replica.state.breakoutOf;
    if (of.ended) session(doneKey, of.roundId);
    try {
      sessionStorage.removeItem(plenaryKey);
    } catch {
      // nothing stored
    }
    go(plenary);
  };

  client.onEvent((event) => {
    if (event.body.case === "groupsBroadcast") notify(t("breakout.heard", { text: event.body.value.text }));
  });

  const updateTime = () => {
    if (!timeNode) return;
    if (!endsMs) {
      timeNode.textContent = "";
      return;
    }
    const remaining = endsMs - (Date.now() + client.serverClockOffsetMs);
    const text = remaining > 0 ? t("breakout.timeLeft", { time: clock(remaining) }) : t("breakout.timeUp");
    if (timeNode.textContent !== text) timeNode.textContent = text;
  };
  setInterval(updateTime, 1000);

  // ---------------------------------------------------------------- the dialog

  const dialog = app.isFacilitator() ? buildDialog() : undefined;

  function buildDialog() {
    const error = el("p", { class: "error", role: "alert", "data-testid": "breakout-error" });
    const mode = el(
      "select",
      { id: "breakout-mode", "data-testid": "breakout-mode" },
      el("option", { value: "by_hand" }, t("breakout.modeByHand")),
      el("option", { value: "random" }, t("breakout.modeRandom")),
      el("option", { value: "by_city" }, t("breakout.modeByCity")),
    );
    const count = el("input", {
      id: "breakout-count",
      type: "number",
      min: 1,
      max: 20,
      value: 2,
      "data-testid": "breakout-count",
    });
    const minutes = el("input", {
      id: "breakout-minutes",
      type: "number",
      min: 0,
      max: 1440,
      value: 15,
      "data-testid": "breakout-minutes",
    });
    const names = el("div", { class: "breakout-names" });
    const people = el("div", { class: "breakout-people", "data-testid": "breakout-people" });
    const groupCount = () => Math.min(20, Math.max(1, Math.floor(Number(count.value)) || 1));
    const nameOf = (i: number) =>
      names.querySelector<HTMLInputElement>(`[data-group="${i}"]`)?.value.trim() ||
      t("breakout.defaultName", { number: i + 1 });
    const others = () => client.online.filter((p) => p.role !== Role.FACILITATOR && p.id !== app.myId);

    const fill = () => {
      const n = groupCount();
      const kept = [...names.querySelectorAll<HTMLInputElement>("input")].map((i) => i.value);
      replaceChildren(
        names,
        ...Array.from({ length: mode.value === "by_city" ? 0 : n }, (_, i) =>
          el(
            "label",
            {},
            t("breakout.groupName", { number: i + 1 }),
            " ",
            el("input", {
              "data-group": i,
              maxlength: 200,
              value: kept[i] ?? "",
              placeholder: t("breakout.defaultName", { number: i + 1 }),
            }),
          ),
        ),
      );
      const present = others();
      if (mode.value === "random") return replaceChildren(people);
      if (present.length === 0) return replaceChildren(people, el("p", {}, t("breakout.nobody")));
      replaceChildren(
        people,
        ...present.map((p, index) => {
          if (mode.value === "by_city")
            return el(
              "label",
              {},
              t("breakout.city", { name: p.name }),
              " ",
              el("input", { "data-person": p.id, maxlength: 64 }),
            );
          const choice = el(
            "select",
            { "data-person": p.id },
            el("option", { value: "" }, t("breakout.stays")),
            ...Array.from({ length: n }, (_, i) => el("option", { value: String(i) }, nameOf(i))),
          );
          choice.value = String(index % n);
          return el("label", {}, t("breakout.assign", { name: p.name }), " ", choice);
        }),
      );
    };
    // A group's new name shows in the choices without rebuilding what has focus.
    const relabel = () => {
      for (const select of people.querySelectorAll<HTMLSelectElement>("select[data-person]"))
        for (const option of select.options) if (option.value !== "") option.text = nameOf(Number(option.value));
    };
    mode.addEventListener("change", fill);
    count.addEventListener("change", fill);
    names.addEventListener("input", relabel);

    const form = el(
      "form",
      { method: "dialog", "data-testid": "breakout-form" },
      el("h2", { id: "breakout-dialog-title" }, t("breakout.dialogTitle")),
      el("label", { for: "breakout-mode" }, t("breakout.mode")),
      mode,
      el("label", { for: "breakout-count" }, t("breakout.count")),
      count,
      el("label", { for: "breakout-minutes" }, t("breakout.minutes")),
      minutes,
      names,
      people,
      error,
      el(
        "div",
        { class: "row" },
        el("button", { type: "button", onclick: () => node.close() }, t("breakout.cancel")),
        el("button", { type: "submit", "data-testid": "breakout-start" }, t("breakout.start")),
      ),
    );
    const node = el(
      "dialog",
      { class: "breakout-dialog", "data-testid": "breakout-dialog", "aria-labelledby": "breakout-dialog-title" },
      form,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const n = groupCount();
      const body: Record<string, unknown> = {
        mode: mode.value,
        minutes: Math.max(0, Math.floor(Number(minutes.value)) || 0),
      };
      if (mode.value === "by_hand") {
        const groups = Array.from({ length: n }, (_, i) => ({ name: nameOf(i), participant_ids: [] as string[] }));
        for (const select of people.querySelectorAll<HTMLSelectElement>("select[data-person]"))
          if (select.value !== "") groups[Number(select.value)]?.participant_ids.push(select.dataset.person!);
        body.groups = groups;
      } else if (mode.value === "random") {
        body.count = n;
        body.names = Array.from({ length: n }, (_, i) => nameOf(i));
        body.participant_ids = others().map((p) => p.id);
      } else {
        body.participants = [...people.querySelectorAll<HTMLInputElement>("input[data-person]")].map((i) => ({
          id: i.dataset.person,
          city: i.value.trim(),
        }));
      }
      error.textContent = "";
      void post("", body).then((answer) => {
        if (answer.ok) return node.close();
        error.textContent = t("breakout.refused", { reason: String(answer.json.error ?? answer.status) });
      });
    });
    document.body.append(node);
    return { node, fill };
  }

  // ---------------------------------------------------------------- the banner

  const facilitatorOpenRound = () => {
    const round = client.replica.state.breakouts;
    const message = el("input", {
      id: "breakout-message",
      maxlength: 500,
      "data-testid": "breakout-message",
    });
    const broadcast = el(
      "form",
      { class: "row breakout-broadcast" },
      el("label", { for: "breakout-message" }, t("breakout.broadcastLabel")),
      message,
      el("button", { type: "submit", "data-testid": "breakout-broadcast" }, t("breakout.broadcast")),
    );
    broadcast.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = message.value.trim();
      if (!text) return;
      void post("/broadcast", { text }).then((answer) => {
        if (!answer.ok)
          return notify(
            t("breakout.broadcastRefused", { reason: String(answer.json.error ?? answer.status) }),
            "error",
          );
        message.value = "";
        notify(t("breakout.broadcastSent"));
      });
    });
    const end = el(
      "button",
      {
        type: "button",
        class: "primary",
        "data-testid": "breakout-end",
        onclick: () => {
          end.disabled = true;
          void post("/end").then((answer) => {
            end.disabled = false;
            if (!answer.ok)
              notify(t("breakout.endRefused", { reason: String(answer.json.error ?? answer.status) }), "error");
          });
        },
      },
      t("breakout.end"),
    );
    return [
      el("strong", {}, t("breakout.running", { count: round.groups.length })),
      " ",
      (timeNode = el("span", { class: "breakout-time", "data-testid": "breakout-time" })),
      el(
        "ul",
        { class: "breakout-groups", "data-testid": "breakout-groups" },
        ...round.groups.map((g) =>
          el(
            "li",
            {},
            t("breakout.groupLine", { name: g.name, count: g.participantIds.length }),
            " ",
            el(
              "button",
              { type: "button", "data-group": g.id, onclick: () => void moveTo(g.id) },
              t("breakout.visit", { name: g.name }),
            ),
          ),
        ),
      ),
      broadcast,
      end,
    ];
  };

  const results = () => {
    const layers = [...client.replica.state.layers.values()].filter((l) => l.sourceFormat === "breakout");
    if (layers.length === 0) return undefined;
    return el(
      "div",
      { class: "breakout-results", "data-testid": "breakout-results" },
      el("strong", {}, t("breakout.results")),
      el(
        "ul",
        {},
        ...layers.map((l) => el("li", {}, t("breakout.resultLine", { name: l.name, count: l.features.length }))),
      ),
    );
  };

  const render = () => {
    if (leaving) go(leaving);
    const state = client.replica.state;
    const round = state.breakouts;
    const of = state.breakoutOf;
    let key: string;
    let parts: (Node | string | undefined)[] = [];
    timeNode = undefined;
    endsMs = 0;

    if (of.roundId) {
      // In a group's room.
      endsMs = of.ended ? 0 : Number(of.endsMs);
      if (of.ended && storedPlenary()?.roomId === of.parentRoomId) backToPlenary();
      key = `group:${of.roundId}:${of.ended}`;
      if (key !== shown) {
        const plenary = storedPlenary();
        const heading = of.ended
          ? t("breakout.ended")
          : t("breakout.inGroup", { name: of.groupName, number: of.groupNumber, count: of.groupCount });
        parts = [
          el("strong", { "data-testid": "breakout-group" }, heading),
          " ",
          of.ended ? undefined : (timeNode = el("span", { class: "breakout-time", "data-testid": "breakout-time" })),
          of.stepTitle
            ? el("span", { class: "breakout-step" }, " · ", t("breakout.step", { title: of.stepTitle }))
            : "",
          plenary && plenary.roomId === of.parentRoomId
            ? el(
                "button",
                { type: "button", "data-testid": "breakout-back", onclick: backToPlenary },
                t("breakout.backNow"),
              )
            : undefined,
        ];
      }
    } else if (round.open) {
      endsMs = Number(round.endsMs);
      const done = session(doneKey) === round.id;
      const mine = done ? undefined : round.groups.find((g) => g.participantIds.includes(app.myId));
      if (app.isFacilitator()) {
        key = `open:${round.id}`;
        if (key !== shown) parts = facilitatorOpenRound();
      } else {
        key = `out:${round.id}:${mine?.id ?? ""}`;
        if (mine && askedFor !== round.id) {
          askedFor = round.id;
          void moveTo();
        }
        if (key !== shown)
          parts = [
            el(
              "strong",
              {},
              mine ? t("breakout.moving", { name: mine.name }) : t("breakout.running", { count: round.groups.length }),
            ),
            " ",
            (timeNode = el("span", { class: "breakout-time", "data-testid": "breakout-time" })),
          ];
      }
    } else {
      const found = results();
      key = `idle:${round.id}:${state.layers.size}:${app.isFacilitator()}`;
      if (key !== shown)
        parts = [
          found,
          dialog
            ? el(
                "button",
                {
                  type: "button",
                  "data-testid": "breakout-open",
                  onclick: () => {
                    dialog.fill();
                    dialog.node.showModal();
                  },
                },
                t("breakout.open"),
              )
            : undefined,
        ];
      if (!found && !dialog) key = "hidden";
    }

    if (key !== shown) {
      shown = key;
      replaceChildren(banner, ...parts);
      banner.hidden = key === "hidden";
      banner.dataset.state = key.split(":")[0];
    } else if (endsMs) {
      timeNode = banner.querySelector<HTMLElement>('[data-testid="breakout-time"]') ?? undefined;
    }
    if (!timeNode) timeNode = banner.querySelector<HTMLElement>('[data-testid="breakout-time"]') ?? undefined;
    updateTime();
  };

  // The people present change the dialog's lists while it is open.
  client.on("participantJoined", () => dialog?.node.open && dialog.fill());
  client.on("participantLeft", () => dialog?.node.open && dialog.fill());
  void schedule;
  return { render };
}
