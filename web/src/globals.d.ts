// Style sheets are bundled by esbuild (scripts/build.mjs).
declare module "*.css";
