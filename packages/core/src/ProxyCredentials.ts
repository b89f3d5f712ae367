/**
 * Proxy credentials: each sync gets a Postgres user `<name>.<sync_id>` and a password for
 * the Postgres proxy. Only a SCRAM-SHA-256 verifier is stored (Postgres' own format), in
 * the `tokens` bucket under `proxy.<user>`, so neither the bucket nor a backup can be
 * turned back into a password. The CLI creates and rotates them; the proxy reads them.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto"
import { Effect, Option, Schema } from "effect"
import { InvalidInput, NotFound } from "./Errors.js"
import type { NatsError } from "./Errors.js"
import { SyncId } from "./Ids.js"
import { bucket as openBucket, Nats as NatsClient, tryNats } from "./Nats.js"
import type { Nats, ReadOptions } from "./Nats.js"

/** The part before the sync id: lower-case, so it never needs quoting in a connection URL. */
export const CredentialName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_-]{0,31}$/, {
    message: () => "must start with a lower-case letter and use only a-z, 0-9, '_' and '-' (at most 32 characters)"
  })
)

export class ProxyCredential extends Schema.Class<ProxyCredential>("ProxyCredential")({
  /** `<name>.<sync_id>`: what clients pass as the Postgres user. */
  user: Schema.String,
  name: CredentialName,
  sync_id: SyncId,
  /** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, as in pg_authid. */
  verifier: Schema.String,
  created_at: Schema.String,
  rotated_at: Schema.String
}) {}

export const userFor = (name: string, sync: SyncId): string => `${name}.${sync}`

/**
 * Splits `<name>.<sync_id>`; the name contains no `.`, so the first one separates. Both parts
 * are checked: a name no credential can have is no user (and would not be a valid KV key).
 */
export const parseUser = (user: string): Option.Option<{ readonly name: string; readonly sync: SyncId }> => {
  const dot = user.indexOf(".")
  if (dot <= 0) return Option.none()
  const name = Schema.decodeUnknownOption(CredentialName)(user.slice(0, dot))
  const sync = Schema.decodeUnknownOption(SyncId)(user.slice(dot + 1))
  return Option.zipWith(name, sync, (name, sync) => ({ name, sync }))
}

/** A user some credential can have (`parseUser`), for input that names one (`proxy credentials revoke`). */
export const User = Schema.String.pipe(
  Schema.filter((user) => Option.isSome(parseUser(user)), {
    message: () =>
      "must be <name>.<sync id> (see `proxy credentials list`): a name of a-z, 0-9, '_' and '-' " +
      "starting with a letter, then a sync id of letters, digits, '_' and '-'"
  })
)

export const DEFAULT_ITERATIONS = 4096

export interface ScramSecret {
  readonly iterations: number
  readonly salt: Buffer
  readonly storedKey: Buffer
  readonly serverKey: Buffer
}

export const saltedPassword = (password: string, salt: Buffer, iterations: number): Buffer =>
  pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256")

export const hmac = (key: Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest()

export const sha256 = (data: Buffer): Buffer => createHash("sha256").update(data).digest()

export const scramSecret = (password: string, salt: Buffer = randomBytes(16), iterations = DEFAULT_ITERATIONS): ScramSecret => {
  const salted = saltedPassword(password, salt, iterations)
  return {
    iterations,
    salt,
    storedKey: sha256(hmac(salted, "Client Key")),
    serverKey: hmac(salted, "Server Key")
  }
}

export const encodeVerifier = (secret: ScramSecret): string =>
  `SCRAM-SHA-256$${secret.iterations}:${secret.salt.toString("base64")}$` +
  `${secret.storedKey.toString("base64")}:${secret.serverKey.toString("base64")}`

export const decodeVerifier = (verifier: string): Option.Option<ScramSecret> => {
  const match = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier)
  if (match === null) return Option.none()
  return Option.some({
    iterations: Number(match[1]),
    salt: Buffer.from(match[2]!, "base64"),
    storedKey: Buffer.from(match[3]!, "base64"),
    serverKey: Buffer.from(match[4]!, "base64")
  })
}

/** A new random password: URL-safe, so it can sit in a connection URL unescaped. */
export const newPassword = (): string => randomBytes(24).toString("base64url")

const KEY_PREFIX = "proxy."
const keyFor = (user: string) => `${KEY_PREFIX}${user}`

const decode = Schema.decodeUnknown(Schema.parseJson(ProxyCredential))
const encode = Schema.encodeSync(Schema.parseJson(ProxyCredential))

const bucket = openBucket("tokens")

/** The user's credential; a login reads it with a timeout of its own (`options.timeoutMs`). */
export const get = (user: string, options: ReadOptions = {}): Effect.Effect<Option.Option<ProxyCredential>, NatsError, Nats> =>
  Effect.gen(function*() {
    // A user that cannot be a credential is not looked up (and cannot form a bad KV key).
    if (Option.isNone(parseUser(user))) return Option.none()
    const kv = yield* openBucket("tokens", options)
    const entry = yield* tryNats(`read proxy credential ${user}`, () => kv.get(keyFor(user)))
    if (entry === null || entry.operation !== "PUT") return Option.none()
    return Option.some(yield* Effect.orDie(decode(entry.string())))
  })

/**
 * Create the credential, or give it a new password when it exists (rotation: the old
 * password stops working at once). Returns the credential and its password, which is
 * shown once and never stored.
 */
export const issue = (
  name: string,
  sync: SyncId
): Effect.Effect<{ readonly credential: ProxyCredential; readonly password: string }, NatsError | InvalidInput, Nats> =>
  Effect.gen(function*() {
    const checked = Schema.decodeUnknownEither(CredentialName)(name)
    if (checked._tag === "Left") return yield* new InvalidInput({ field: "name", detail: checked.left.message })
    const user = userFor(name, sync)
    const existing = yield* get(user)
    const password = newPassword()
    const now = new Date().toISOString()
    const credential = new ProxyCredential({
      user,
      name,
      sync_id: sync,
      verifier: encodeVerifier(scramSecret(password)),
      created_at: Option.match(existing, { onNone: () => now, onSome: (c) => c.created_at }),
      rotated_at: now
    })
    const kv = yield* bucket
    yield* tryNats(`write proxy credential ${user}`, () => kv.put(keyFor(user), encode(credential)))
    return { credential, password }
  })

export const list = (sync?: SyncId): Effect.Effect<ReadonlyArray<ProxyCredential>, NatsError, Nats> =>
  Effect.gen(function*() {
    const kv = yield* bucket
    const keys = yield* tryNats("list proxy credentials", async () => {
      const out: Array<string> = []
      for await (const key of await kv.keys(`${KEY_PREFIX}>`)) out.push(key)
      return out.sort()
    })
    const found = yield* Effect.forEach(keys, (key) => get(key.slice(KEY_PREFIX.length)))
    return found.flatMap(Option.toArray).filter((c) => sync === undefined || c.sync_id === sync)
  })

/**
 * Delete every credential of the sync at once (one purge of its keys, `proxy.*.<sync>`): when the
 * sync is deleted, so that a sync created again under its id, perhaps of another account, does
 * not open to the old passwords.
 */
export const revokeAllOf = (sync: SyncId): Effect.Effect<void, NatsError, Nats> =>
  Effect.gen(function*() {
    const { jsm, ns } = yield* NatsClient
    yield* tryNats(`remove the proxy credentials of sync ${sync}`, () =>
      jsm.streams.purge(`KV_${ns.buckets.tokens}`, { filter: `$KV.${ns.buckets.tokens}.${keyFor(`*.${sync}`)}` }))
  })

export const revoke = (user: string): Effect.Effect<void, NatsError | NotFound, Nats> =>
  Effect.gen(function*() {
    const existing = yield* get(user)
    if (Option.isNone(existing)) return yield* new NotFound({ kind: "proxy credential", id: user })
    const kv = yield* bucket
    yield* tryNats(`delete proxy credential ${user}`, () => kv.delete(keyFor(user)))
  })
