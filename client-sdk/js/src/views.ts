// Helpers for the workshop tools a map shows: the shared timer and the views
// everyone's map is brought to.
import { clone, create } from "@bufbuild/protobuf";

import { LonLatSchema, ViewportSchema, type LonLat, type MapView, type Timer, type Viewport } from "./proto.js";

// What a shared timer has left at server time nowMs:
// running ? remaining - (now - startedAt) : remaining, never below 0.
export function remainingMs(timer: Timer, nowMs: number): number {
  const remaining = Number(timer.remainingMs);
  const left = timer.running ? remaining - (nowMs - Number(timer.startedAtMs)) : remaining;
  return Math.max(0, left);
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
