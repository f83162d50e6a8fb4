// Markers and notes grouped into clusters where they crowd (Leaflet
// .markercluster): a cluster shows how many features it holds and zooms in
// when clicked, or, at the deepest zoom, spreads them out. Keeps a room of
// thousands of features readable and the page quick, since only the
// clusters and the markers in view are in the page.
import * as L from "leaflet";
import "leaflet.markercluster";
import "leaflet.markercluster/dist/MarkerCluster.css";

import "./cluster_layer.css";
import { el } from "./dom.js";
import { formatNumber, t } from "./i18n/index.js";

// The plugin adds itself to Leaflet's global object, which the bundler's
// copy of the module's exports (taken before the plugin ran) does not show.
const leaflet = (globalThis as unknown as { L: typeof L }).L;

// Markers closer than this (in pixels) gather into one cluster: about two
// labels' width, so titles under markers that stay apart do not overlap.
const clusterRadiusPx = 60;

// apart: markers never gather (the replay's map, where each of a moment's
// few features is shown as itself).
export function clusterGroup({ apart = false }: { apart?: boolean } = {}): L.MarkerClusterGroup {
  return leaflet.markerClusterGroup({
    ...(apart ? { disableClusteringAtZoom: 0 } : {}),
    maxClusterRadius: clusterRadiusPx,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    // A room's features arrive in one welcome; adding them in slices keeps
    // the page answering while thousands are placed.
    chunkedLoading: true,
    // Without the plugin's zoom animations: each forces the browser to lay
    // out the whole page (a CPU profile of bench/web put a second of every
    // seventeen there while zooming across 2,000 features), and people who
    // asked for less motion get none anyway.
    animate: false,
    animateAddingMarkers: false,
    iconCreateFunction: (cluster) => {
      const count = cluster.getChildCount();
      const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      // The count for the eye, and in words for a screen reader (Leaflet
      // makes the icon a button, and this is its name).
      const body = el(
        "div",
        { class: "cluster-body", "data-testid": "cluster", "data-count": count },
        el("span", { "aria-hidden": "true" }, formatNumber(count)),
        el("span", { class: "visually-hidden" }, t("cluster.label", { count })),
      );
      const px = size === "small" ? 34 : size === "medium" ? 40 : 46;
      return L.divIcon({ html: body, className: `feature-cluster ${size}`, iconSize: L.point(px, px) });
    },
  });
}
