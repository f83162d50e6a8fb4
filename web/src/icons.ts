// The map's small pictures, drawn as inline SVG (no icon font, no emoji, so
// they look the same on every system and pass the page's style policy): the
// tools' buttons, and one glyph per category on the markers and in the
// legend. A category is matched by words in any shipped language; one that
// matches none shows its first letter, so each category still reads apart.
const svgNs = "http://www.w3.org/2000/svg";

// 24×24 strokes, drawn with currentColor.
const tools = {
  search: "M10.5 4a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z M15.5 15.5L21 21",
  goTo: "M12 5a7 7 0 1 0 0 14a7 7 0 1 0 0-14z M12 2v5 M12 17v5 M2 12h5 M17 12h5",
  measure: "M3 16.5L16.5 3L21 7.5L7.5 21z M7 12.5l2 2 M10 9.5l2 2 M13 6.5l2 2",
  stand: "M12 21s-6.5-6.2-6.5-11a6.5 6.5 0 0 1 13 0c0 4.8-6.5 11-6.5 11z M12 7.5a2.5 2.5 0 1 0 0 5a2.5 2.5 0 1 0 0-5z",
  close: "M6 6l12 12 M18 6L6 18",
} as const;

export type ToolIcon = keyof typeof tools;

const glyphs: { words: string[]; path: string }[] = [
  {
    words: [
      "green",
      "park",
      "tree",
      "garden",
      "nature",
      "grün",
      "baum",
      "garten",
      "verde",
      "árbol",
      "arbol",
      "jardín",
      "jardin",
      "árvore",
      "arvore",
      "parc",
      "arbre",
      "vert",
    ],
    path: "M12 3l-6 8.5h3.5L6 17h12l-3.5-5.5H18z M12 17v4",
  },
  {
    words: [
      "traffic",
      "car",
      "road",
      "street",
      "transport",
      "bus",
      "parking",
      "verkehr",
      "straße",
      "strasse",
      "auto",
      "tráfico",
      "trafico",
      "calle",
      "coche",
      "trânsito",
      "transito",
      "rua",
      "carro",
      "circulation",
      "route",
      "rue",
      "voiture",
    ],
    path: "M5 16v-4l2-5h10l2 5v4z M5 16v2.5 M19 16v2.5 M8 13h.01 M16 13h.01",
  },
  {
    words: ["bike", "bicycle", "cycle", "cycling", "fahrrad", "rad", "bici", "bicicleta", "vélo", "velo"],
    path: "M6 12a3.5 3.5 0 1 0 0 7a3.5 3.5 0 1 0 0-7z M18 12a3.5 3.5 0 1 0 0 7a3.5 3.5 0 1 0 0-7z M6 15.5l4-7h5l3 7 M9 6h3",
  },
  {
    words: [
      "water",
      "river",
      "sea",
      "harbour",
      "harbor",
      "flood",
      "wasser",
      "fluss",
      "hafen",
      "agua",
      "río",
      "rio",
      "puerto",
      "água",
      "porto",
      "eau",
      "rivière",
      "riviere",
      "port",
      "mer",
    ],
    path: "M3 9.5c3-3 6 3 9 0s6 3 9 0 M3 15.5c3-3 6 3 9 0s6 3 9 0",
  },
  {
    words: [
      "housing",
      "home",
      "house",
      "building",
      "living",
      "wohnen",
      "haus",
      "gebäude",
      "vivienda",
      "casa",
      "edificio",
      "habitação",
      "habitacao",
      "moradia",
      "logement",
      "maison",
      "bâtiment",
      "batiment",
    ],
    path: "M4 11.5L12 4.5l8 7 M6.5 10v10h11V10 M10 20v-5h4v5",
  },
  {
    words: [
      "danger",
      "safety",
      "unsafe",
      "risk",
      "warning",
      "hazard",
      "gefahr",
      "sicherheit",
      "unsicher",
      "peligro",
      "seguridad",
      "perigo",
      "segurança",
      "seguranca",
      "sécurité",
      "securite",
      "risque",
    ],
    path: "M12 3.5l9.5 16.5h-19z M12 9.5v5 M12 17.5h.01",
  },
  {
    words: [
      "idea",
      "ideas",
      "proposal",
      "suggestion",
      "idee",
      "vorschlag",
      "propuesta",
      "ideia",
      "proposta",
      "idée",
      "proposition",
    ],
    path: "M9.5 18h5 M10.5 21h3 M12 3a6 6 0 0 0-3.5 10.8V16h7v-2.2A6 6 0 0 0 12 3z",
  },
  {
    words: [
      "shop",
      "shopping",
      "business",
      "market",
      "commerce",
      "laden",
      "geschäft",
      "markt",
      "tienda",
      "comercio",
      "mercado",
      "loja",
      "magasin",
      "marché",
      "marche",
    ],
    path: "M5 8h14l-1.2 13H6.2z M9 8V6.5a3 3 0 0 1 6 0V8",
  },
  {
    words: [
      "school",
      "education",
      "culture",
      "library",
      "schule",
      "bildung",
      "kultur",
      "escuela",
      "educación",
      "educacion",
      "escola",
      "educação",
      "educacao",
      "école",
      "ecole",
      "culture",
    ],
    path: "M3.5 5.5h7a1.5 1.5 0 0 1 1.5 1.5v13a1.5 1.5 0 0 0-1.5-1.5h-7z M20.5 5.5h-7A1.5 1.5 0 0 0 12 7v13a1.5 1.5 0 0 1 1.5-1.5h7z",
  },
  {
    words: [
      "health",
      "hospital",
      "care",
      "doctor",
      "gesundheit",
      "krankenhaus",
      "salud",
      "saúde",
      "saude",
      "santé",
      "sante",
      "hôpital",
      "hopital",
    ],
    path: "M12 5v14 M5 12h14",
  },
  {
    words: [
      "play",
      "sport",
      "sports",
      "children",
      "kids",
      "spiel",
      "kinder",
      "juego",
      "niños",
      "ninos",
      "deporte",
      "desporto",
      "crianças",
      "criancas",
      "jeu",
      "enfants",
    ],
    path: "M12 3.5a8.5 8.5 0 1 0 0 17a8.5 8.5 0 1 0 0-17z M12 3.5v17 M3.5 12h17",
  },
];

function svg(path: string, className: string): SVGSVGElement {
  const node = document.createElementNS(svgNs, "svg");
  node.setAttribute("viewBox", "0 0 24 24");
  node.setAttribute("class", className);
  node.setAttribute("aria-hidden", "true");
  node.setAttribute("focusable", "false");
  const shape = document.createElementNS(svgNs, "path");
  shape.setAttribute("d", path);
  shape.setAttribute("fill", "none");
  shape.setAttribute("stroke", "currentColor");
  shape.setAttribute("stroke-width", "2");
  shape.setAttribute("stroke-linecap", "round");
  shape.setAttribute("stroke-linejoin", "round");
  node.append(shape);
  return node;
}

export function toolIcon(name: ToolIcon): SVGSVGElement {
  return svg(tools[name], "tool-icon");
}

// Lower case without accents, for matching words and search terms.
export function folded(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

const glyphWords = glyphs.map((g) => ({ words: new Set(g.words.map(folded)), path: g.path }));
const known = new Map<string, string | undefined>();

function glyphOf(category: string): string | undefined {
  if (known.has(category)) return known.get(category);
  const words = folded(category)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const found = glyphWords.find((g) => words.some((w) => g.words.has(w) || g.words.has(w.replace(/s$/, ""))))?.path;
  known.set(category, found);
  return found;
}

// The picture of a category ("" = none: no picture): its glyph, else its
// first letter. Hidden from screen readers: the marker's name says it.
export function categoryIcon(category: string): Element | undefined {
  if (!category.trim()) return undefined;
  const path = glyphOf(category);
  if (path) return svg(path, "category-icon");
  const letter = document.createElement("span");
  letter.className = "category-icon letter";
  letter.setAttribute("aria-hidden", "true");
  letter.textContent = [...category.trim()][0]!.toLocaleUpperCase();
  return letter;
}
