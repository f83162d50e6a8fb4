// Messages of one area of the app, in every shipped language, kept apart so
// that the area's work does not collide with the rest of the catalogues:
// the map's reading and finding tools: clusters and icons, search, go to coordinates, measuring, base maps.
// Each language's catalogue (en.ts, de.ts, ...) spreads its part in; English
// defines the keys, and every other language must have each of them.
export const mapMessages = {
  en: {},
  de: {},
  es: {},
  pt: {},
  fr: {},
};
