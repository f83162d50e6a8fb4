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

// The Earth's mean radius, as Leaflet's distanceTo uses it, so lengths and
// areas agree with each other.
const earthRadius = 6371000;

// A path's length along the Earth's surface (great circles), in metres.
export function geodesicLength(points: L.LatLng[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += points[i - 1]!.distanceTo(points[i]!);
  return total;
}

// The area of the polygon the points enclose on a sphere, in square metres
// (the spherical excess summed edge by edge; exact for a sphere, within a
// fraction of a percent of the ellipsoid at workshop scales).
export function geodesicArea(points: L.LatLng[]): number {
  if (points.length < 3) return 0;
  const rad = Math.PI / 180;
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    sum += (b.lng - a.lng) * rad * (2 + Math.sin(a.lat * rad) + Math.sin(b.lat * rad));
  }
  return Math.abs((sum * earthRadius * earthRadius) / 2);
}
