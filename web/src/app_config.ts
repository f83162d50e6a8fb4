// The server's settings for the app (GET /config.json): the map tiles (the
// default and the further base maps a facilitator may choose for a room)
// and where the WebSocket is.
export interface TileSource {
  id: string; // what RoomInfo.base_map names; "default" = the server's --tile-url
  label: string; // as the server's operator wrote it
  url: string; // a Leaflet template; "" = no tiles, a plain background
  attribution: string; // HTML from the server's operator
}

export interface AppConfig {
  tileUrl: string; // a Leaflet template; "" = no tiles
  tileAttribution: string; // HTML from the server's operator
  tileSources: TileSource[]; // the default first; never empty
  wsUrl: string;
}

export const defaultTileSource = "default";

function tileSources(value: unknown, tileUrl: string, tileAttribution: string): TileSource[] {
  const sources: TileSource[] = [];
  if (Array.isArray(value))
    for (const item of value as Record<string, unknown>[]) {
      if (typeof item?.id !== "string" || typeof item.url !== "string" || sources.some((s) => s.id === item.id))
        continue;
      sources.push({
        id: item.id,
        label: typeof item.label === "string" ? item.label : item.id,
        url: item.url,
        attribution: typeof item.attribution === "string" ? item.attribution : "",
      });
    }
  // An older server lists none: its one tile URL is the default.
  if (!sources.some((s) => s.id === defaultTileSource))
    sources.unshift({ id: defaultTileSource, label: "", url: tileUrl, attribution: tileAttribution });
  return sources;
}

export async function loadConfig(): Promise<AppConfig> {
  let body: { tile_url?: unknown; tile_attribution?: unknown; tile_sources?: unknown; ws_path?: unknown } = {};
  try {
    const res = await fetch("/config.json", { cache: "no-cache" });
    if (res.ok) body = (await res.json()) as typeof body;
  } catch {
    // offline at load, or an old server: no tiles, the default path
  }
  const wsPath = typeof body.ws_path === "string" ? body.ws_path : "/v1/ws";
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const tileUrl = typeof body.tile_url === "string" ? body.tile_url : "";
  const tileAttribution = typeof body.tile_attribution === "string" ? body.tile_attribution : "";
  return {
    tileUrl,
    tileAttribution,
    tileSources: tileSources(body.tile_sources, tileUrl, tileAttribution),
    wsUrl: `${scheme}//${location.host}${wsPath}`,
  };
}
