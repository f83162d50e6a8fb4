// Messages of one area of the app, in every shipped language, kept apart so
// that the area's work does not collide with the rest of the catalogues:
// study trips: photos and field notes, attachments, the itinerary.
// Each language's catalogue (en.ts, de.ts, ...) spreads its part in; English
// defines the keys, and every other language must have each of them.
export const fieldMessages = {
  en: {},
  de: {},
  es: {},
  pt: {},
  fr: {},
};
