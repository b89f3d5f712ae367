/**
 * `tributary proxy credentials create|rotate|list|revoke`: the Postgres proxy's users.
 * A credential is `<name>.<sync_id>` with a password shown once; only its SCRAM verifier
 * is stored.
 */
import { Args, Command, Options } from "@effect/cli"
import { Errors, Ids, Log, ProxyCredentials, SyncStore } from "@tributary/core"
import { Config, Console, Effect, Layer, Option } from "effect"
import * as Help from "../internal/Help.js"
import * as Input from "../internal/Input.js"
import * as CliNats from "../internal/CliNats.js"

// Both are refused, when bad, as the command line is parsed: before NATS is dialled (Input.ts).
const sync = Input.decoded(Options.text("sync").pipe(Options.withDescription("The sync whose tables the credential may write")), Ids.SyncId)
const name = Input.decoded(
  Options.text("name").pipe(
    Options.withDescription("The user name before the sync id (lower-case letters, digits, '_', '-')"),
    Options.withDefault("app")
  ),
  ProxyCredentials.CredentialName
)
/** Why `host` cannot be the `host:port` of a connection URL (it would print a URL that names another place, or none). */
const problemWithHost = (host: string): string | undefined => {
  const parsed = URL.parse(`postgres://${host}`)
  return parsed !== null && parsed.hostname !== "" && parsed.host === host
    ? undefined
    : `must be host:port, like 127.0.0.1:5434 (from --host, else TRIBUTARY_PROXY_ADDRESS); got ${JSON.stringify(host)}`
}

const host = Input.checked(
  Options.text("host").pipe(
    Options.withDescription("Proxy host:port to print in the connection URL (default: TRIBUTARY_PROXY_ADDRESS, else 127.0.0.1:5434)"),
    Options.withFallbackConfig(Config.string("TRIBUTARY_PROXY_ADDRESS").pipe(Config.withDefault("127.0.0.1:5434")))
  ),
  problemWithHost
)
const database = Options.text("database").pipe(
  Options.withDescription("The database name to print in the connection URL"),
  Options.withDefault("tributary")
)

const services = Layer.merge(CliNats.layerConfig, Log.layer("cli", "warn"))

const issue = (verb: "create" | "rotate") =>
  Command.make(verb, { sync, name, host, database }, (args) =>
    Effect.gen(function*() {
      const { name, sync: syncId } = args
      yield* SyncStore.get(syncId)
      if (verb === "rotate") {
        const user = ProxyCredentials.userFor(name, syncId)
        if (Option.isNone(yield* ProxyCredentials.get(user))) {
          return yield* new Errors.InvalidInput({ field: "--name", detail: `no proxy credential ${user} to rotate; create it first` })
        }
      }
      const { credential, password } = yield* ProxyCredentials.issue(name, syncId)
      yield* Console.log(`user      ${credential.user}`)
      yield* Console.log(`password  ${password}   (shown once; ${verb === "rotate" ? "the old one no longer works" : "store it now"})`)
      // The user and password are URL-safe as they are; a database name may not be.
      yield* Console.log(`url       postgres://${credential.user}:${password}@${args.host}/${encodeURIComponent(args.database)}`)
    }).pipe(Effect.provide(services))
  ).pipe(Command.withDescription(verb === "create"
    ? "Create proxy credentials for a sync (gives a new password if they exist)"
    : "Give existing proxy credentials a new password"))

const list = Command.make("list", { sync: Options.optional(sync) }, (args) =>
  Effect.gen(function*() {
    const credentials = yield* ProxyCredentials.list(Option.getOrUndefined(args.sync))
    // As wide as the longest user, so that the dates stay in one column.
    const width = Math.max(48, ...credentials.map((c) => c.user.length))
    for (const c of credentials) yield* Console.log(`${c.user.padEnd(width)} created ${c.created_at}  rotated ${c.rotated_at}`)
    if (credentials.length === 0) yield* Console.log("no proxy credentials")
  }).pipe(Effect.provide(services))
).pipe(Command.withDescription("List proxy credentials"))

// Refused, when it cannot be a credential's, as the command line is parsed (Input.ts).
const credentialUser = Input.decodedArg(
  Args.text({ name: "user" }).pipe(Args.withDescription("The user, <name>.<sync id> (see `proxy credentials list`)")),
  ProxyCredentials.User
)

const revoke = Command.make("revoke", { user: credentialUser }, (args) =>
  ProxyCredentials.revoke(args.user).pipe(
    Effect.zipRight(Console.log(`revoked ${args.user}`)),
    Effect.provide(services)
  )
).pipe(Command.withDescription("Delete proxy credentials: new connections with them are refused"))

const credentialCommands = [issue("create"), issue("rotate"), list, revoke] as const

const credentials = Command.make("credentials").pipe(
  Command.withDescription("Proxy credentials: one Postgres user per sync"),
  Command.withSubcommands(credentialCommands)
)

export const proxy = Command.make("proxy").pipe(
  Command.withDescription("The Postgres proxy"),
  Command.withSubcommands([credentials])
)

export const proxyHelp = Help.section(["proxy", "credentials"], credentials, credentialCommands)
