// The server's settings for the app (GET /config.json): the map tiles and
// where the WebSocket is.
export interface AppConfig {
  tileUrl: string;          // a Leaflet template; "" = no tiles
  tileAttribution: string;  // HTML from the server's operator
  wsUrl: string;
}

export async function loadConfig(): Promise<AppConfig> {
  let body: { tile_url?: unknown; tile_attribution?: unknown; ws_path?: unknown } = {};
  try {
    const res = await fetch("/config.json", { cache: "no-cache" });
    if (res.ok) body = (await res.json()) as typeof body;
  } catch {
    // offline at load, or an old server: no tiles, the default path
  }
  const wsPath = typeof body.ws_path === "string" ? body.ws_path : "/v1/ws";
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return {
    tileUrl: typeof body.tile_url === "string" ? body.tile_url : "",
    tileAttribution: typeof body.tile_attribution === "string" ? body.tile_attribution : "",
    wsUrl: `${scheme}//${location.host}${wsPath}`,
  };
}
