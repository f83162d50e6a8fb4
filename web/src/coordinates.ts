// Reading a position that a person typed or pasted: "lat, lon" in decimal
// degrees as this app and most tools write it ("-33.92, 18.42",
// "-33.92 18.42", "(-33.92, 18.42)", "-33,92; 18,42" with decimal commas),
// with degree signs and hemispheres ("33.92° S, 18.42° E", "S 33.92 E 18.42"),
// in degrees, minutes and seconds (33°55'12"S 18°25'12"E), or as a geo: URI.
// A refusal says what was wrong in words the page can show.
export type Position = { lat: number; lon: number };

export type PositionProblem =
  | { problem: "empty" }
  | { problem: "format" }
  | { problem: "latitude"; value: number }
  | { problem: "longitude"; value: number }
  | { problem: "swapped"; value: number; suggestion: Position };

export type ParsedPosition = ({ ok: true } & Position) | ({ ok: false } & PositionProblem);

// One coordinate: an optional hemisphere before or after, a signed number
// of degrees, optional minutes and seconds. Tried with the hemispheres after
// the numbers, then before them ("S 33.92 E 18.42"), since one pattern for
// both would read that E as the first number's.
const hemisphere = "([NSEWnsew])";
// Degree, minute and second signs as escapes (° º, ′ ’, ″ ”): a raw template
// keeps its characters as they are, and the bundle stays ASCII.
const number = String.raw`([-+]?\d+(?:\.\d+)?)\s*(?:\u00b0|\u00ba|deg)?\s*(?:(\d+(?:\.\d+)?)\s*['\u2032\u2019]\s*)?(?:(\d+(?:\.\d+)?)\s*(?:"|\u2033|\u201d|'')\s*)?`;
const after = String.raw`()${number}${hemisphere}?`;
const before = String.raw`${hemisphere}?\s*${number}()`;
const pairs = [after, before].map((part) => new RegExp(String.raw`^\s*${part}\s*(?:[,;/]|\s)\s*${part}\s*$`));

interface Coordinate {
  value: number;
  hemisphere: string; // "N", "S", "E", "W" or ""
}

function coordinate(
  before: string | undefined,
  degrees: string,
  minutes: string | undefined,
  seconds: string | undefined,
  after: string | undefined,
): Coordinate | undefined {
  const hemisphere = (before || after || "").toUpperCase();
  const d = Number(degrees);
  const m = minutes === undefined ? 0 : Number(minutes);
  const s = seconds === undefined ? 0 : Number(seconds);
  if ((minutes !== undefined || seconds !== undefined) && (m >= 60 || s >= 60 || !Number.isInteger(d)))
    return undefined;
  let value = Math.abs(d) + m / 60 + s / 3600;
  if (degrees.startsWith("-")) value = -value;
  if (hemisphere && degrees.startsWith("-")) return undefined; // "-33 S" says south twice
  if (hemisphere === "S" || hemisphere === "W") value = -value;
  return { value, hemisphere };
}

export function parsePosition(input: string): ParsedPosition {
  let text = input.trim().replace(/[\u2212\u2013]/g, "-");
  if (!text) return { ok: false, problem: "empty" };
  // geo:lat,lon[,alt][;u=...]
  const geo = /^geo:\s*([^;]*)/i.exec(text);
  if (geo) text = geo[1]!.split(",").slice(0, 2).join(",");
  text = text.replace(/^[([{]\s*|\s*[)\]}]$/g, "");
  // With a semicolon between them, commas are decimal commas ("-33,92; 18,42").
  if (text.includes(";")) text = text.replace(/,/g, ".");
  // Two decimal commas and a comma with a space between ("-33,92, 18,42").
  else if ((text.match(/,/g) ?? []).length === 3) {
    const halves = text.split(/,\s+/);
    if (halves.length === 2) text = halves.map((h) => h.replace(",", ".")).join(" ");
  }
  let first: Coordinate | undefined;
  let second: Coordinate | undefined;
  for (const pair of pairs) {
    const match = pair.exec(text);
    if (!match) continue;
    first = coordinate(match[1], match[2]!, match[3], match[4], match[5]);
    second = coordinate(match[6], match[7]!, match[8], match[9], match[10]);
    if (first && second) break;
  }
  if (!first || !second) return { ok: false, problem: "format" };
  const isLon = (c: Coordinate) => c.hemisphere === "E" || c.hemisphere === "W";
  const isLat = (c: Coordinate) => c.hemisphere === "N" || c.hemisphere === "S";
  if ((isLon(first) && isLon(second)) || (isLat(first) && isLat(second))) return { ok: false, problem: "format" };
  // Hemispheres say which is which; without them latitude comes first.
  const [lat, lon] = isLon(first) || isLat(second) ? [second, first] : [first, second];
  const labelled = lat.hemisphere !== "" || lon.hemisphere !== "";
  if (Math.abs(lat.value) > 90) {
    if (!labelled && Math.abs(lon.value) <= 90 && Math.abs(lat.value) <= 180)
      return { ok: false, problem: "swapped", value: lat.value, suggestion: { lat: lon.value, lon: lat.value } };
    return { ok: false, problem: "latitude", value: lat.value };
  }
  if (Math.abs(lon.value) > 180) return { ok: false, problem: "longitude", value: lon.value };
  return { ok: true, lat: lat.value, lon: lon.value };
}
