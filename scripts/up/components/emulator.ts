/**
 * The Stripe emulator, seeded with a demo account, so a newcomer can watch a sync without
 * a Stripe account. It prints one JSON line with its URL and keys, read from its log.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Ports } from "@tributary/testkit/servers"
import type { Component } from "../Component.js"

interface Announcement {
  readonly url: string
  readonly api_keys: ReadonlyArray<string>
}

const DEMO_CUSTOMERS = 200

const readLog = (logFile: string): string => {
  try {
    return readFileSync(logFile, "utf8")
  } catch {
    return ""
  }
}

/** The JSON line this run of the emulator printed (the log keeps earlier runs above it). */
const announcement = (text: string): Announcement | undefined => {
  const line = text.split("\n").find((l) => l.startsWith("{\"url\""))
  return line === undefined ? undefined : (JSON.parse(line) as Announcement)
}

export const emulator: Component = {
  name: "Stripe emulator with a demo account",
  start: async (context) => {
    const port = await Ports.preferPort(12111)
    const logFile = join(context.home, "logs", "emulator.log")
    const offset = readLog(logFile).length
    context.spawn("emulator", process.execPath, [
      "--import", "tsx", "packages/stripe-emulator/src/main.ts",
      "--port", String(port), "--seed", "42", "--customers", String(DEMO_CUSTOMERS), "--json"
    ], {})
    const deadline = Date.now() + 60_000
    for (;;) {
      const found = announcement(readLog(logFile).slice(offset))
      if (found !== undefined) {
        const apiKey = found.api_keys[0] ?? ""
        return {
          published: { emulator_url: found.url, emulator_api_key: apiKey },
          summary: `emulator      ${found.url} (key ${apiKey}, ${DEMO_CUSTOMERS} demo customers)`
        }
      }
      if (Date.now() > deadline) throw new Error(`the emulator did not start within 60 s; see ${logFile}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
