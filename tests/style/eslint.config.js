// eslint over the TypeScript of the web app and the SDK: the recommended
// rules of eslint and typescript-eslint (syntax only, no type information:
// fast, and tsc already checks the types in each project's build).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/gen/**", "**/dist/**", "**/node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The service worker: plain JS in the worker's global scope.
    files: ["**/sw.js"],
    languageOptions: { globals: { self: "readonly", caches: "readonly", URL: "readonly", fetch: "readonly" } },
  },
  {
    rules: {
      // `_name` marks a parameter kept for its position in a signature.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
