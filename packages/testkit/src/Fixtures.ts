/**
 * What a test needs to stand on its own next to others running in parallel: unique
 * names, a namespace of its own, a database of its own, and waiting on a condition
 * (never on a clock).
 */
import { randomBytes } from "node:crypto"
import type { Settings } from "@tributary/core";
import { Namespace } from "@tributary/core"
import { Effect, Option, Redacted } from "effect"
import pg from "pg"
import { inject } from "vitest"
import "./ProvidedContext.js"

export const natsUrl = (): string => inject("natsUrl")
export const postgresUrl = (): string => inject("postgresUrl")

/** A name no other test uses: lower-case, subject-, stream- and SQL-safe. */
export const uniqueName = (prefix = "t"): string => `${prefix}_${randomBytes(5).toString("hex")}`

export const namespace = (): Namespace.Namespace => Namespace.make(uniqueName("t"))

export const natsSettings = (ns: Namespace.Namespace, url: string = natsUrl()): Settings.NatsSettings => ({
  url,
  user: Option.none(),
  password: Option.none(),
  token: Option.none(),
  namespace: ns.root
})

export const postgresSettings = (url: string, poolSize = 5): Settings.PostgresSettings => ({
  url: Redacted.make(url),
  poolSize
})

/** Create an empty database for one test and return its URL. */
export const freshDatabase = async (prefix = "t", adminUrl: string = postgresUrl()): Promise<string> => {
  const name = uniqueName(prefix)
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(`create database ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

export interface WaitOptions {
  readonly timeoutMs?: number
  readonly intervalMs?: number
}

/** Poll until `probe` returns a value other than `undefined`, or fail at the deadline. */
export const waitFor = async <A>(
  what: string,
  probe: () => Promise<A | undefined> | A | undefined,
  { intervalMs = 25, timeoutMs = 10_000 }: WaitOptions = {}
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? "" : `: ${String(last)}`}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** `waitFor` for Effect tests: retry `probe` until it succeeds with a value, up to the deadline. */
export const eventually = <A, E, R>(
  what: string,
  probe: Effect.Effect<A | undefined, E, R>,
  { intervalMs = 25, timeoutMs = 10_000 }: WaitOptions = {}
): Effect.Effect<A, Error, R> =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const result = yield* Effect.either(probe)
      if (result._tag === "Right" && result.right !== undefined) return result.right
      if (Date.now() > deadline) {
        const reason = result._tag === "Left" ? `: ${String(result.left)}` : ""
        return yield* Effect.fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`))
      }
      yield* Effect.sleep(intervalMs)
    }
  })
