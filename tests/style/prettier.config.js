// prettier's layout for the TypeScript, close to how it was written.
export default {
  printWidth: 120,
  semi: true,
  singleQuote: false,
  trailingComma: "all",
};
