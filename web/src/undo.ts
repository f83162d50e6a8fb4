// Editing: undo of this person's own changes to the map. Each change of mine
// the server confirmed (a feature added, edited, moved, reshaped or deleted,
// from whatever part of the page) is remembered with what it replaced, and
// undoing sends the opposite as a new command: an add is deleted, an edit
// puts the previous values back, a delete adds the feature again. The log is
// never rewritten, so everyone sees the undo as one more change. When
// someone else changed the feature since, undoing would overwrite their
// work: it is refused, in words, instead.
import { FeatureKind, type Event, type Feature } from "@maptable/client";

import type { AppContext } from "./context.js";
import { byId } from "./dom.js";
import { t, type MessageKey } from "./i18n/index.js";
import { notify } from "./status.js";

// A feature's editable part, copied (the replica's objects change in place).
interface Shape {
  id: string;
  title: string;
  description: string;
  colour: string;
  category: string;
  geometry: { kind: FeatureKind; positions: { lon: number; lat: number }[] };
}

interface Change {
  kind: "add" | "update" | "delete";
  before: Shape | undefined; // update, delete: the feature before my change
  after: Shape | undefined; // add, update: the feature after it
  seq: bigint; // the seq of my change: the feature's updatedSeq while nobody touched it since
}

// How many of my changes can be undone, newest first; older ones fall off.
const undoDepth = 20;

function shapeOf(f: Feature): Shape {
  return {
    id: f.id,
    title: f.title,
    description: f.description,
    colour: f.colour,
    category: f.category,
    geometry: {
      kind: f.geometry?.kind ?? FeatureKind.POINT,
      positions: (f.geometry?.positions ?? []).map((p) => ({ lon: p.lon, lat: p.lat })),
    },
  };
}

export class UndoHistory {
  private readonly changes: Change[] = [];
  // Every feature as it was after the last event, so an update knows what it replaced.
  private known = new Map<string, Shape>();
  // Who made the last change to each feature, to name them in a refusal.
  private readonly lastActor = new Map<string, string>();
  // Features whose next change by me is an undo in flight, not a change to remember.
  private readonly undoing = new Set<string>();
  private readonly button = byId<HTMLButtonElement>("undo");

  constructor(private readonly app: AppContext) {
    const client = app.client;
    this.snapshot();
    client.on("welcome", () => this.snapshot());
    client.onEvent((event) => this.onEvent(event));
    this.button.addEventListener("click", () => void this.undo());
    // Ctrl+Z (⌘Z) undoes on the map; in a text field it stays the field's own undo.
    document.addEventListener("keydown", (e) => {
      if (e.key.toLowerCase() !== "z" || !(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest("input, textarea, select, [contenteditable]")) return;
      // Not while the tools rest (a replay, an archived room): the key does what the button can.
      if (this.button.closest("[inert]")) return;
      e.preventDefault();
      void this.undo();
    });
    this.render();
  }

  private snapshot(): void {
    this.known = new Map([...this.app.client.replica.state.features.values()].map((f) => [f.id, shapeOf(f)]));
  }

  private onEvent(event: Event): void {
    const body = event.body;
    if (body.case !== "featureAdded" && body.case !== "featureUpdated" && body.case !== "featureDeleted") return;
    const id = body.case === "featureAdded" ? (body.value.feature?.id ?? "") : body.value.id;
    const before = this.known.get(id);
    const now = this.app.client.replica.state.features.get(id);
    if (now) this.known.set(id, shapeOf(now));
    else this.known.delete(id);
    this.lastActor.set(id, event.actorName || event.actorId);
    if (event.actorId !== this.app.myId) return;
    if (this.undoing.delete(id)) return;
    const kind = body.case === "featureAdded" ? "add" : body.case === "featureUpdated" ? "update" : "delete";
    this.changes.push({ kind, before, after: now ? shapeOf(now) : undefined, seq: event.seq });
    if (this.changes.length > undoDepth) this.changes.shift();
    this.render();
  }

  // What the button would undo, in words ("Undo: adding 'Bench'").
  private describe(change: Change): string {
    const title = (change.after ?? change.before)?.title ?? "";
    return t(`undo.${change.kind}` as MessageKey, { title });
  }

  private render(): void {
    const last = this.changes[this.changes.length - 1];
    this.button.disabled = !last;
    this.button.title = last ? this.describe(last) : t("undo.nothing");
    this.button.setAttribute("aria-label", this.button.title);
  }

  // Undoes my newest change that is still mine to undo; says why when not.
  async undo(): Promise<void> {
    const change = this.changes.pop();
    this.render();
    if (!change) {
      notify(t("undo.nothing"));
      return;
    }
    const shape = (change.after ?? change.before)!;
    const current = this.app.client.replica.state.features.get(shape.id);
    const refuse = (key: MessageKey) =>
      notify(t(key, { title: shape.title, name: this.lastActor.get(shape.id) ?? "" }), "error", "UNDO_REFUSED");
    if (change.kind === "delete") {
      if (current) return refuse("undo.refusedBack");
    } else {
      if (!current) return refuse("undo.refusedDeleted");
      if (current.updatedSeq !== change.seq) return refuse("undo.refusedChanged");
    }
    const client = this.app.client;
    const what = t("undo.action", { what: this.describe(change) });
    this.undoing.add(shape.id);
    let result;
    if (change.kind === "add") {
      result = await this.app.run(what, client.deleteFeature(shape.id));
    } else if (change.kind === "update") {
      const b = change.before!;
      result = await this.app.run(
        what,
        client.updateFeature(shape.id, {
          title: b.title,
          description: b.description,
          colour: b.colour,
          category: b.category,
          geometry: b.geometry,
        }),
      );
    } else {
      result = await this.app.run(what, client.addFeature(change.before!));
    }
    if (!result.ok) {
      // Refused by the server (the map locked, say): still there to undo later.
      this.undoing.delete(shape.id);
      this.changes.push(change);
      this.render();
      return;
    }
    notify(t("undo.done", { what: this.describe(change) }));
  }
}
