#!/usr/bin/env node
// `npm run up`: bootstrap, then run the stack (scripts/up/main.ts) on Node 24.
//
// npm runs scripts through `sh -c`, and sh does not pass SIGTERM on to its children.
// So besides forwarding signals, this process and the stack watch their parent: when
// it goes away (npm was signalled), they stop as if they had been signalled too.
import { spawn } from "node:child_process"
import { join } from "node:path"
import { bootstrap } from "./bootstrap.mjs"

const root = new URL("..", import.meta.url).pathname
bootstrap("up")

const node = join(root, "node_modules", "node", "bin", "node")
const child = spawn(node, ["--import", "tsx", join(root, "scripts", "up", "main.ts")], {
  cwd: root,
  stdio: "inherit"
})
const forward = (signal) => () => child.kill(signal)
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward(signal))

const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) child.kill("SIGTERM")
}, 250).unref()

child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)))
