/**
 * Bearer tokens of the gateway's APIs, in the `tokens` bucket. Only a hash of each token is
 * stored (key: `Secrets.hashToken(token)`), so reading the bucket reveals no token; the
 * token itself is shown once, when it is created (`tributary tokens create`).
 */
import type { KV } from "@nats-io/kv"
import { Effect, Option, ParseResult, Schema } from "effect"
import { InvalidInput, NotFound } from "./Errors.js"
import { bucket as openBucket, tryNats } from "./Nats.js"
import * as Secrets from "./Secrets.js"

export class ApiToken extends Schema.Class<ApiToken>("ApiToken")({
  /** A short public id (the hash's first 12 hex digits): safe to show and to revoke by. */
  id: Schema.String,
  name: Schema.String,
  created_at: Schema.String
}) {}

/**
 * What a new token may be called: `tokens list` shows it and `tokens revoke` finds tokens by
 * it, so it must say something, and without spaces around it that no one sees in the list.
 * Stored tokens keep whatever name they were given.
 */
export const TokenName = Schema.String.pipe(
  Schema.filter((name) => name.trim() !== "", { message: () => "must not be empty: say what the token is for" }),
  Schema.filter((name) => name.trim() === name, { message: () => "must not start or end with a space" })
)

const decode = Schema.decodeUnknown(Schema.parseJson(ApiToken))
const encode = Schema.encodeSync(Schema.parseJson(ApiToken))

/** What a new token starts with: says what it is when it turns up in a log or a config file. */
export const PREFIX = "trb"

const bucket = openBucket("tokens")

const readAll = (kv: KV) =>
  Effect.gen(function*() {
    const keys = yield* tryNats("list tokens", async () => {
      const out: Array<string> = []
      // The bucket also holds other hashed secrets (proxy credentials under `proxy.`); a token's key is its SHA-256 in hex.
      for await (const key of await kv.keys()) if (/^[0-9a-f]{64}$/.test(key)) out.push(key)
      return out
    })
    const found = yield* Effect.forEach(keys, (key) =>
      Effect.gen(function*() {
        const entry = yield* tryNats("read token", () => kv.get(key))
        if (entry === null || entry.operation !== "PUT") return Option.none()
        return Option.some({ key, token: yield* Effect.orDie(decode(entry.string())) })
      }))
    return found.flatMap(Option.toArray)
  })

/** Create a token; the returned `token` is the only time it exists in clear. */
export const create = (name: string) =>
  Effect.gen(function*() {
    yield* Schema.decodeUnknown(TokenName)(name).pipe(
      Effect.mapError((error) => new InvalidInput({ field: "name", detail: ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => issue.message).join("; ") }))
    )
    const kv = yield* bucket
    const token = Secrets.newToken(PREFIX)
    const hash = Secrets.hashToken(token)
    const record = new ApiToken({ id: hash.slice(0, 12), name, created_at: new Date().toISOString() })
    yield* tryNats(`create token ${record.id}`, () => kv.create(hash, encode(record)))
    return { token, record }
  })

export const list = Effect.flatMap(bucket, readAll).pipe(
  Effect.map((found) => found.map((f) => f.token).sort((a, b) => a.created_at.localeCompare(b.created_at)))
)

/** Revoke by id or by name (every token of that name). */
export const revoke = (idOrName: string) =>
  Effect.gen(function*() {
    const kv = yield* bucket
    const matches = (yield* readAll(kv)).filter((f) => f.token.id === idOrName || f.token.name === idOrName)
    if (matches.length === 0) return yield* new NotFound({ kind: "token", id: idOrName })
    yield* Effect.forEach(matches, (m) => tryNats(`revoke token ${m.token.id}`, () => kv.purge(m.key)))
    return matches.map((m) => m.token)
  })

/** The token's record when `token` is a valid (unrevoked) token. */
export const verify = (token: string) =>
  Effect.gen(function*() {
    if (token === "") return Option.none<ApiToken>()
    const kv = yield* bucket
    const entry = yield* tryNats("read token", () => kv.get(Secrets.hashToken(token)))
    if (entry === null || entry.operation !== "PUT") return Option.none<ApiToken>()
    return Option.some(yield* Effect.orDie(decode(entry.string())))
  })
