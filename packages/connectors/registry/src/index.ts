export * as Sources from "./Sources.js"
