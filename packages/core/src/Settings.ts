/**
 * Configuration shared by every service, read through Effect's `Config` from
 * environment variables with one prefix, `TRIBUTARY_` (see `Env.provider`).
 * Secrets are `Redacted`, so they print as `<redacted>` in logs and errors.
 */
import { Config, Redacted, Schema } from "effect"
import { NamespaceName } from "./Namespace.js"

/** `NATS_URL` → `TRIBUTARY_NATS_URL`: the full name, so errors name the variable to fix. */
export const env = (name: string): string => `TRIBUTARY_${name}`

const isUrl = (value: string, protocols: ReadonlyArray<string>): boolean => {
  try {
    return protocols.includes(new URL(value).protocol)
  } catch {
    return false
  }
}

const startingWith = (protocols: ReadonlyArray<string>) => protocols.map((p) => `${p}//`).join(" or ")

const url = (name: string, protocols: ReadonlyArray<string>) =>
  Schema.Config(
    env(name),
    Schema.String.pipe(
      Schema.filter((value) => isUrl(value, protocols), { message: () => `must be a URL starting with ${startingWith(protocols)}` })
    )
  )

/** The servers of a comma-separated list of URLs (spaces around the commas allowed). */
export const serverList = (value: string): ReadonlyArray<string> => value.split(",").map((s) => s.trim())

/** A comma-separated list of server URLs, each checked on its own (one URL is a list of one). */
const urls = (name: string, protocols: ReadonlyArray<string>) =>
  Schema.Config(
    env(name),
    Schema.String.pipe(
      Schema.filter((value) => serverList(value).every((server) => isUrl(server, protocols)), {
        message: () => `must be a URL starting with ${startingWith(protocols)}, or several separated by commas`
      })
    )
  )

export const nats = Config.all({
  /** Comma-separated server URLs. */
  url: urls("NATS_URL", ["nats:", "tls:"]).pipe(Config.withDefault("nats://127.0.0.1:4222")),
  user: Config.option(Config.string(env("NATS_USER"))),
  password: Config.option(Config.redacted(env("NATS_PASSWORD"))),
  token: Config.option(Config.redacted(env("NATS_TOKEN"))),
  namespace: Schema.Config(env("NAMESPACE"), NamespaceName).pipe(Config.withDefault("tributary"))
})
export type NatsSettings = Config.Config.Success<typeof nats>

export const postgres = Config.all({
  url: url("POSTGRES_URL", ["postgres:", "postgresql:"]).pipe(Config.map(Redacted.make)),
  poolSize: Schema.Config(env("POSTGRES_POOL_SIZE"), Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1000)))
    .pipe(Config.withDefault(10))
})
export type PostgresSettings = Config.Config.Success<typeof postgres>

export const LogLevel = Schema.Literal("trace", "debug", "info", "warn", "error", "fatal", "silent")
export type LogLevel = typeof LogLevel.Type

export const log = Config.all({
  level: Schema.Config(env("LOG_LEVEL"), LogLevel).pipe(Config.withDefault<LogLevel>("info"))
})

/** The key that encrypts API keys at rest and signs tokens: at least 32 characters. */
export const secretKey = Schema.Config(
  env("SECRET_KEY"),
  Schema.Redacted(Schema.String.pipe(Schema.minLength(32, {
    message: () => "must be at least 32 characters (generate one with: openssl rand -base64 32)"
  })))
)

/**
 * The address a service's HTTP server listens on. All interfaces by default, as a container
 * needs; `npm run up` sets 127.0.0.1, so a laptop's stack is not reachable from the network.
 */
export const httpHost = (name: string) =>
  Schema.Config(env(name), Schema.NonEmptyTrimmedString).pipe(Config.withDefault("0.0.0.0"))

/** Where a service serves /healthz, /readyz and /metrics (and its API, when it has one). */
export const httpPort = (name: string, fallback: number) =>
  Schema.Config(
    env(name), Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, 65535)))
    .pipe(Config.withDefault(fallback))
