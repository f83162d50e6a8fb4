// The app's maps move as the reader's system asks. For those who asked for
// less motion: no fades, no zoom animations, and pans that jump to where
// they go. A popup opened near the map's edge then moves the map at once,
// instead of sliding its buttons away under the pointer for a quarter of a
// second (longer on a busy machine), where a click meant for Save lands on
// the map and closes the popup.
import * as L from "leaflet";

export function prefersStill(): boolean {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

// L.map with the motion options set; `options` may add to them.
export function newMap(container: HTMLElement, options: L.MapOptions): L.Map {
  const still = prefersStill();
  const map = L.map(container, {
    fadeAnimation: !still,
    zoomAnimation: !still,
    markerZoomAnimation: !still,
    ...options,
  });
  // Every pan goes through panBy (setView's, the keyboard's, a popup's
  // autoPan, which asks for no option and so would always slide).
  if (still) {
    const panBy = map.panBy.bind(map);
    map.panBy = (offset: L.PointExpression, panOptions?: L.PanOptions) =>
      panBy(offset, { ...panOptions, animate: false });
  }
  return map;
}
