// The app's part for study trips: photos and field notes on the map, the offline photo queue, the itinerary.
// Mounted once per joined room by main.ts; render() runs after every change
// of the replica (batched per animation frame).
import type { AppContext } from "./context.js";
import type { MapView } from "./map_view.js";

export interface RoomPart {
  render(): void;
}

export function mountFieldNotes(app: AppContext, map: MapView, schedule: () => void): RoomPart {
  void app;
  void map;
  void schedule;
  return { render() {} };
}
