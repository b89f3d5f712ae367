/**
 * `tributary tokens create|list|revoke`: bearer tokens of the gateway's APIs. Only a hash of
 * each token is stored (the `tokens` bucket); `create` prints the token once.
 */
import { Args, Command, Options } from "@effect/cli"
import { ApiTokens, Log } from "@tributary/core"
import { Console, Effect, Layer } from "effect"
import * as Help from "../internal/Help.js"
import * as Input from "../internal/Input.js"
import * as CliNats from "../internal/CliNats.js"

const env = Layer.merge(CliNats.layerConfig, Log.layer("cli", "warn"))

const name = Input.decoded(Options.text("name"), ApiTokens.TokenName).pipe(
  Options.withDescription("What the token is for (shown by `tokens list`)"),
  Options.withDefault("admin")
)

const create = Command.make("create", { name }, ({ name }) =>
  Effect.gen(function*() {
    const { token, record } = yield* ApiTokens.create(name)
    yield* Console.log(token)
    yield* Console.error(`token ${record.id} (${record.name}) created; it is shown only this once`)
  }).pipe(Effect.provide(env))
).pipe(Command.withDescription("Create an API token and print it (only a hash is stored)"))

const list = Command.make("list", {}, () =>
  Effect.gen(function*() {
    const tokens = yield* ApiTokens.list
    // Said, as `syncs list` and `proxy credentials list` say it: an empty output reads as a failure.
    if (tokens.length === 0) return yield* Console.log("no tokens")
    for (const token of tokens) {
      yield* Console.log(`${token.id}  ${token.created_at}  ${token.name}`)
    }
  }).pipe(Effect.provide(env))
).pipe(Command.withDescription("List API tokens (ids and names, never the tokens)"))

const which = Args.text({ name: "id-or-name" }).pipe(Args.withDescription("A token id from `tokens list`, or a name"))

const revoke = Command.make("revoke", { which }, ({ which }) =>
  Effect.gen(function*() {
    const revoked = yield* ApiTokens.revoke(which)
    yield* Console.log(`revoked ${revoked.map((t) => `${t.id} (${t.name})`).join(", ")}`)
  }).pipe(Effect.provide(env))
).pipe(Command.withDescription("Revoke API tokens by id or name"))

const commands = [create, list, revoke] as const

export const tokens = Command.make("tokens").pipe(
  Command.withDescription("API tokens of the gateway's management and consume APIs"),
  Command.withSubcommands(commands)
)

export const tokensHelp = Help.section(["tokens"], tokens, commands)
