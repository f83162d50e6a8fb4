// The map's finding and measuring tools, as a bar in the map's top-left
// corner under the zoom buttons: search, go to coordinates, measure (each
// opens its panel beside the bar; one at a time, Escape or the button again
// closes it) and mark where I stand. Buttons are large enough for a finger
// on a touch screen, and clicks on the bar or a panel never reach the map.
import * as L from "leaflet";

import type { AppContext } from "./context.js";
import { el } from "./dom.js";
import { GoToCoordinates } from "./go_to.js";
import { toolIcon, type ToolIcon } from "./icons.js";
import { t, type MessageKey } from "./i18n/index.js";
import type { MapFilter } from "./legend.js";
import "./map_tools.css";
import { MeasureTool } from "./measure.js";
import { FeatureSearch } from "./search.js";
import { WhereIStand } from "./where_i_stand.js";

type PanelTool = "search" | "goto" | "measure";

// Below this width the map has no room for a panel and a popup side by side.
const narrowMapPx = 600;

export interface MapToolsHost {
  map: L.Map;
  app: AppContext;
  filter: MapFilter;
  showFeature(featureId: string): void; // fly there and open it
  openFeature(featureId: string): void;
  drawing(): boolean; // a drawing tool takes the map's clicks
}

export class MapTools {
  readonly search: FeatureSearch;
  private readonly goTo: GoToCoordinates;
  private readonly measure: MeasureTool;
  private readonly stand: WhereIStand;
  private readonly buttons = new Map<PanelTool, HTMLButtonElement>();
  private readonly panels: Record<PanelTool, HTMLElement>;
  private open: PanelTool | undefined;

  constructor(host: MapToolsHost) {
    const { map, app } = host;
    this.search = new FeatureSearch(app, host.filter, (id) => {
      // On a narrow map the panel would stand where the popup opens.
      if (map.getSize().x < narrowMapPx) this.toggle(undefined);
      host.showFeature(id);
    });
    this.goTo = new GoToCoordinates(map);
    this.measure = new MeasureTool(map, () => !host.drawing());
    this.stand = new WhereIStand(map, app, (id) => host.openFeature(id));
    this.panels = { search: this.search.panel, goto: this.goTo.panel, measure: this.measure.panel };

    const bar = el("div", {
      class: "map-tools leaflet-bar",
      role: "group",
      "aria-label": t("tools.label"),
      "data-testid": "map-tools",
    });
    const panelBox = el("div", { class: "map-tool-panels" });
    const toolButton = (icon: ToolIcon, label: MessageKey, testid: string) => {
      const button = el("button", {
        type: "button",
        class: "map-tool",
        "aria-label": t(label),
        title: t(label),
        "data-testid": testid,
      });
      button.append(toolIcon(icon));
      bar.append(button);
      return button;
    };
    const panelTools: [PanelTool, ToolIcon, MessageKey][] = [
      ["search", "search", "search.open"],
      ["goto", "goTo", "goto.open"],
      ["measure", "measure", "measure.open"],
    ];
    for (const [tool, icon, label] of panelTools) {
      const panel = this.panels[tool];
      panel.id = `map-tool-${tool}`;
      panel.hidden = true;
      panel.setAttribute("role", "region");
      panel.setAttribute("aria-label", t(label));
      const close = el("button", {
        type: "button",
        class: "panel-close",
        "aria-label": t("tools.close"),
        title: t("tools.close"),
        "data-testid": "tool-close",
        onclick: () => this.toggle(undefined),
      });
      close.append(toolIcon("close"));
      panel.prepend(close);
      panelBox.append(panel);
      const button = toolButton(icon, label, `tool-${tool}`);
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", panel.id);
      button.addEventListener("click", () => this.toggle(this.open === tool ? undefined : tool));
      this.buttons.set(tool, button);
    }
    // Observers only read the room: they have nothing to mark.
    if (!app.isObserver()) {
      const stand = toolButton("stand", "stand.button", "tool-stand");
      stand.addEventListener("click", () => void this.stand.mark(stand));
    }

    const box = el("div", { class: "map-tools-box" }, bar, panelBox);
    box.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || !this.open) return;
      const was = this.open;
      this.toggle(undefined);
      this.buttons.get(was)?.focus();
    });
    const control = new L.Control({ position: "topleft" });
    control.onAdd = () => {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
  }

  render(): void {
    if (this.open === "search") this.search.render();
  }

  private toggle(tool: PanelTool | undefined): void {
    if (this.open === "measure" && tool !== "measure") this.measure.stop();
    this.open = tool;
    for (const [name, button] of this.buttons) {
      button.setAttribute("aria-expanded", String(name === tool));
      button.classList.toggle("active", name === tool);
      this.panels[name].hidden = name !== tool;
    }
    if (tool === "measure") this.measure.start();
    if (tool === "search") {
      this.search.render();
      this.search.focus();
    }
    if (tool === "goto") this.goTo.focus();
  }
}
