// Messages of one area of the app, in every shipped language, kept apart so
// that the area's work does not collide with the rest of the catalogues:
// comparing two rooms side by side (a host city's living lab next to the
// visitor's). Each language's catalogue (en.ts, de.ts, ...) spreads its part
// in; English defines the keys, and every other language must have each of them.
export const compareMessages = {
  en: {},
  de: {},
  es: {},
  pt: {},
  fr: {},
};
