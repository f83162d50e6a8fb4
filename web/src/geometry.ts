// Between the protocol's positions (lon, lat; GeoJSON order) and Leaflet's (lat, lng).
import * as L from "leaflet";

import type { LonLat } from "@maptable/client";

export function toLatLng(p: LonLat | { lon: number; lat: number }): L.LatLng {
  return L.latLng(p.lat, p.lon);
}

export function toLonLat(p: L.LatLng): { lon: number; lat: number } {
  // Leaflet lets longitudes run past ±180 when the world wraps; the protocol does not.
  const wrapped = p.wrap();
  return { lon: round(wrapped.lng), lat: round(wrapped.lat) };
}

// 1e-7 degrees is about a centimetre: more digits only make the log longer.
function round(x: number): number {
  return Math.round(x * 1e7) / 1e7;
}

export function safeColour(colour: string, fallback = "#3b5bdb"): string {
  return /^#[0-9a-fA-F]{6}$/.test(colour) ? colour : fallback;
}
