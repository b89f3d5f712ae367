/**
 * The proxy's configuration (`TRIBUTARY_PROXY_*`), besides the shared NATS, Postgres
 * (the writer: the role that owns the synced tables) and secret-key settings.
 */
import { readFileSync } from "node:fs"
import { createSecureContext } from "node:tls"
import type { SecureContext } from "node:tls"
import { Settings } from "@tributary/core"
import { Config, ConfigError, Effect, Option, Redacted, Schema } from "effect"

const env = Settings.env

const milliseconds = Schema.NumberFromString.pipe(Schema.int(), Schema.positive())

export const config = Config.all({
  host: Settings.httpHost("PROXY_HOST"),
  port: Settings.httpPort("PROXY_PORT", 5434),
  /** `/healthz`, `/readyz`, `/metrics`. */
  httpPort: Settings.httpPort("PROXY_HTTP_PORT", 8093),
  /** The client role: every client session runs upstream as this role, which may only read synced tables. */
  upstreamUrl: Config.redacted(env("PROXY_UPSTREAM_URL")),
  tlsCert: Config.option(Config.string(env("PROXY_TLS_CERT"))),
  tlsKey: Config.option(Config.string(env("PROXY_TLS_KEY"))),
  apiTimeoutMs: Schema.Config(env("PROXY_API_TIMEOUT_MS"), milliseconds).pipe(Config.withDefault(30_000)),
  /**
   * How long a login's credential read, a write's config read and `/readyz`'s NATS check
   * wait for NATS to answer. A connection that died without a word, or a hung server, is
   * noticed only from missed pings, minutes later; until then each would wait for
   * JetStream's request timeout (5 s), and is refused after this instead: a login with
   * 57P03, a write with HV00N (nothing sent to the API), `/readyz` with 503. A KV read on a
   * healthy NATS answers in milliseconds, even loaded.
   */
  natsReadTimeoutMs: Schema.Config(env("PROXY_NATS_READ_TIMEOUT_MS"), milliseconds).pipe(Config.withDefault(1_500))
})

export type ProxySettings = Config.Config.Success<typeof config>

export interface Resolved {
  readonly host: string
  readonly port: number
  readonly httpPort: number
  readonly upstreamUrl: Redacted.Redacted<string>
  readonly tls: SecureContext | undefined
  readonly apiTimeoutMs: number
  readonly natsReadTimeoutMs: number
}

const CERT = env("PROXY_TLS_CERT")
const KEY = env("PROXY_TLS_KEY")

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const readFile = (variable: string, path: string) =>
  Effect.try({
    try: () => readFileSync(path),
    catch: (error) => ConfigError.InvalidData([variable], `cannot read ${path}: ${reason(error)}`)
  })

/**
 * The TLS context, from both files or neither: one without the other would serve plain text
 * to a user who asked for TLS. Reading both before failing names every file that is wrong.
 */
const tlsContext = (settings: ProxySettings): Effect.Effect<SecureContext | undefined, ConfigError.ConfigError> => {
  const { tlsCert, tlsKey } = settings
  if (Option.isNone(tlsCert) && Option.isNone(tlsKey)) return Effect.succeed(undefined)
  if (Option.isNone(tlsKey)) return Effect.fail(ConfigError.MissingData([KEY], `must be set with ${CERT}: TLS needs the certificate's key`))
  if (Option.isNone(tlsCert)) return Effect.fail(ConfigError.MissingData([CERT], `must be set with ${KEY}: TLS needs the key's certificate`))
  return Effect.all([readFile(CERT, tlsCert.value), readFile(KEY, tlsKey.value)], { mode: "validate" }).pipe(
    Effect.mapError((errors) => errors.flatMap((e) => Option.toArray(e)).reduce((a, b) => ConfigError.And(a, b))),
    Effect.flatMap(([cert, key]) =>
      Effect.try({
        try: () => createSecureContext({ cert, key }),
        catch: (error) => ConfigError.InvalidData([`${CERT}/${KEY}`], `not a PEM certificate and its private key: ${reason(error)}`)
      }))
  )
}

/** Reads the certificate files: a file that cannot be used fails at start, naming its variable. */
export const resolve = (settings: ProxySettings): Effect.Effect<Resolved, ConfigError.ConfigError> =>
  Effect.map(tlsContext(settings), (tls): Resolved => ({
    host: settings.host,
    port: settings.port,
    httpPort: settings.httpPort,
    upstreamUrl: settings.upstreamUrl,
    apiTimeoutMs: settings.apiTimeoutMs,
    natsReadTimeoutMs: settings.natsReadTimeoutMs,
    tls
  }))

export const upstreamUrlText = (resolved: Pick<Resolved, "upstreamUrl">) => Redacted.value(resolved.upstreamUrl)
