#!/usr/bin/env node
// Runs the TypeScript sources directly; `npm run tributary -- …` does the same on Node 24.
import { register } from "tsx/esm/api"

register()
await import("../src/main.ts")
