import { readFileSync } from "node:fs"
import { isRecord } from "../store/StripeObject.js"

/**
 * Stripe's own sample objects (data/fixtures3.json, from stripe/openapi, MIT): the field set and
 * nesting of every object the emulator builds. Read once per process.
 */
const FIXTURES_URL = new URL("../../data/fixtures3.json", import.meta.url)

let cache: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined

export const fixture = (resource: string): Readonly<Record<string, unknown>> => {
  if (cache === undefined) {
    const parsed: unknown = JSON.parse(readFileSync(FIXTURES_URL, "utf8"))
    const resources = isRecord(parsed) ? parsed["resources"] : undefined
    if (!isRecord(resources)) throw new Error(`${FIXTURES_URL.pathname} has no "resources" object`)
    const out: Record<string, Readonly<Record<string, unknown>>> = {}
    for (const [name, value] of Object.entries(resources)) if (isRecord(value)) out[name] = value
    cache = out
  }
  const found = cache[resource]
  if (found === undefined) throw new Error(`no Stripe fixture for ${resource}`)
  return found
}
