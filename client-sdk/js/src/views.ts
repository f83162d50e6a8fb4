// Helpers for the workshop tools a map shows: the shared timer and the views
// everyone's map is brought to.
import { clone, create } from "@bufbuild/protobuf";

import { LonLatSchema, ViewportSchema, type LonLat, type MapView, type Timer, type Viewport } from "./proto.js";

// What a shared timer has left at server time nowMs:
// running ? remaining - (now - startedAt) : remaining, never below 0.
export function remainingMs(timer: Timer, nowMs: number): number {
  const remaining = Number(timer.remainingMs);
  // A clock behind the start (an offset estimated a few ms short) counts as
  // no time passed, as in the model and the C++ SDK: never more left than the
  // timer had when it started.
  const elapsed = timer.running ? Math.max(0, nowMs - Number(timer.startedAtMs)) : 0;
  return Math.max(0, remaining - elapsed);
}

// The viewport a map should show for an agenda step's view: its bounds, or
// (for a centre and zoom) a viewport whose two corners are both the centre,
// with the view's zoom. As the C++ SDK's viewport_of.
export function viewportOf(view: MapView): Viewport {
  const corner = (p: LonLat | undefined) => clone(LonLatSchema, p ?? create(LonLatSchema));
  if (view.bounds) {
    return create(ViewportSchema, {
      southWest: corner(view.bounds.southWest),
      northEast: corner(view.bounds.northEast),
      zoom: view.zoom,
    });
  }
  return create(ViewportSchema, { southWest: corner(view.center), northEast: corner(view.center), zoom: view.zoom });
}
