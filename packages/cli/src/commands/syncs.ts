/**
 * `tributary syncs create|list|show|pause|resume|delete`: sync configs in the `syncs` bucket,
 * through core's `SyncStore` (the same path the management API will take). The sync
 * service watches the bucket, so every change takes effect without a restart.
 */
import { Sources } from "@tributary/connectors"
import { Args, Command, Options } from "@effect/cli"
import type { ValidationError } from "@effect/cli"
import { Collection, Errors, Ids, Log, Secrets, Settings, SyncConfig, SyncStore } from "@tributary/core"
import { Config, Console, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import * as Help from "../internal/Help.js"
import * as Input from "../internal/Input.js"
import * as SyncDetails from "../internal/SyncDetails.js"
import * as SyncsTable from "../internal/SyncsTable.js"
import * as CliNats from "../internal/CliNats.js"

const services = Layer.mergeAll(CliNats.layerConfig, Log.layer("cli", "warn"))

/** `create` needs the secret key too: read with NATS's settings, so that a bad value of each is reported at once. */
const withSecretKey = Layer.unwrapEffect(Effect.map(
  Config.all({ nats: Settings.nats, secretKey: Settings.secretKey }),
  ({ nats, secretKey }) => Layer.mergeAll(CliNats.layer(nats), Secrets.layer(secretKey), Log.layer("cli", "warn"))
))

// Every value below is checked as the command line is parsed (Input.ts), before NATS is
// dialled; SyncStore.create checks them again, as it does for the management API.
const source = Input.decoded(
  Options.text("source").pipe(
    Options.withDescription(`The upstream API: ${SyncConfig.supportedSources.join(", ")}`),
    Options.withDefault("stripe")
  ),
  SyncConfig.SupportedSource
)
const apiKey = Input.orEnv(
  Options.redacted("api-key").pipe(
    Options.withDescription("The upstream API key, else TRIBUTARY_SYNC_API_KEY (stored encrypted with TRIBUTARY_SECRET_KEY)")
  ),
  "TRIBUTARY_SYNC_API_KEY",
  Schema.Redacted(Schema.String)
).pipe(Options.mapEffect((key) =>
  Redacted.value(key).trim() === "" ? Effect.fail(Input.refusal("--api-key", "must not be empty")) : Effect.succeed(key)
))
const account = Options.optional(Options.text("account").pipe(Options.withDescription("Connected account (Stripe-Account)")))
const apiBaseUrl = Options.optional(Input.checked(
  Options.text("api-base-url").pipe(Options.withDescription("Where the API lives, e.g. an emulator (default: the public endpoint)")),
  SyncStore.problemWithBaseUrl
))
const externalId = Options.optional(Options.text("external-id").pipe(Options.withDescription("Your own id for this sync")))
const name = Options.optional(Options.text("name").pipe(Options.withDescription("A name for people to read")))
const id = Options.optional(Input.decoded(Options.text("id").pipe(Options.withDescription("The sync id (default: generated)")), Ids.SyncId))
const collections = Options.text("collections").pipe(
  Options.withDescription("Comma-separated collections (stripe:customer,…) or 'all'"),
  Options.withDefault("all"),
  Options.mapEffect((value): Effect.Effect<"all" | ReadonlyArray<Collection.CollectionId>, ValidationError.ValidationError> =>
    value === "all"
      ? Effect.succeed("all" as const)
      : Input.decodeAs(Schema.Array(Collection.CollectionId), "--collections")(value.split(",").map((c) => c.trim()).filter((c) => c !== "")))
)

/** `--source` and `--collections` together: the collections are checked against the source's. */
const sourceAndCollections = Options.all({ source, collections }).pipe(Options.mapEffect((chosen) => {
  // SyncStore.create's own check, asked while parsing: the source's connector (the registry,
  // no connection) says what it mirrors.
  const problem = chosen.collections === "all"
    ? undefined
    : SyncStore.problemWithCollections(chosen.source, chosen.collections, Sources.sources[chosen.source].collections)
  return problem === undefined ? Effect.succeed(chosen) : Effect.fail(Input.refusal("--collections", problem.detail))
}))

/** `text` as a JSON object (what the management API takes as `metadata`), else why it is not one. */
const jsonObject = (text: string): Either.Either<Record<string, unknown>, string> =>
  Either.try(() => JSON.parse(text) as unknown).pipe(
    Either.mapLeft((error) => `not JSON (${error instanceof Error ? error.message : String(error)})`),
    Either.flatMap((value) =>
      Either.fromOption(Schema.decodeUnknownOption(SyncConfig.SyncConfig.fields.metadata)(value), () => `got ${text}`))
  )

const metadata = Options.optional(Options.text("metadata").pipe(
  Options.withDescription(`A JSON object kept with the sync and on its rows (sync_metadata), e.g. '{"team":"billing"}'`),
  Options.mapEffect((text) =>
    Either.match(jsonObject(text), {
      onLeft: (why) => Effect.fail(Input.refusal("--metadata", `must be a JSON object, like '{"team":"billing"}'; ${why}`)),
      onRight: Effect.succeed
    }))
))
const deleteMode = Options.optional(Input.choice("delete-mode", SyncConfig.DeleteMode.literals).pipe(
  Options.withDescription("What a record deleted upstream does to its row: soft keeps it with deleted = true, hard removes it (default: soft)")
))

const quota = Options.optional(Input.decoded(
  Input.integer("quota").pipe(
    Options.withDescription(
      "The account's upstream quota, requests per second (default: the source's limit for the key; Stripe: 25 for a test-mode key on api.stripe.com, else 100)"
    )
  ),
  SyncConfig.RateBudget.fields.quota_per_second.from
))
const share = Input.decoded(
  Input.float("share").pipe(
    Options.withDescription("The share of the quota the sync may use (0–1]"),
    Options.withDefault(SyncConfig.defaultRateBudget.share)
  ),
  SyncConfig.RateBudget.fields.share
)

// Input.decodedArg, not Args.withSchema: a bad id is then one line naming `<sync>` and exit 1,
// as for every option, instead of the schema's parse tree.
const syncId = Input.decodedArg(Args.text({ name: "sync" }).pipe(Args.withDescription("The sync id (see `syncs list`)")), Ids.SyncId)

/**
 * `SyncStore.create` names the stored field at fault (`api_base_url`, `collections[1]`), as
 * the management API's 400 does; on the command line the option that gave it is the name to
 * say, should core refuse a value the parse above let through.
 */
const optionOf = (field: string): string =>
  field === "api_base_url" ? "--api-base-url"
    : field === "api_key" ? "--api-key"
    : field === "collections" || field.startsWith("collections[") ? "--collections"
    : field

const create = Command.make(
  "create",
  { sourceAndCollections, apiKey, account, apiBaseUrl, externalId, metadata, deleteMode, name, id, quota, share },
  (args) =>
    Effect.gen(function*() {
      const { collections, source } = args.sourceAndCollections
      const created = yield* SyncStore.create({
        source,
        api_key: Redacted.value(args.apiKey),
        collections,
        rate_budget: { share: args.share, ...Option.match(args.quota, { onNone: () => ({}), onSome: (quota_per_second) => ({ quota_per_second }) }) },
        ...Option.match(args.id, { onNone: () => ({}), onSome: (id) => ({ id }) }),
        ...Option.match(args.account, { onNone: () => ({}), onSome: (account) => ({ account }) }),
        ...Option.match(args.apiBaseUrl, { onNone: () => ({}), onSome: (api_base_url) => ({ api_base_url }) }),
        ...Option.match(args.externalId, { onNone: () => ({}), onSome: (external_id) => ({ external_id }) }),
        ...Option.match(args.metadata, { onNone: () => ({}), onSome: (metadata) => ({ metadata }) }),
        ...Option.match(args.deleteMode, { onNone: () => ({}), onSome: (delete_mode) => ({ delete_mode }) }),
        ...Option.match(args.name, { onNone: () => ({}), onSome: (name) => ({ name }) })
      }, Sources.forSource(source)?.collections).pipe(
        Effect.catchTag("InvalidInput", (error) => new Errors.InvalidInput({ field: optionOf(error.field), detail: error.detail }))
      )
      yield* Console.log(created.id)
    }).pipe(Effect.provide(withSecretKey))
).pipe(Command.withDescription("Create a sync; it starts on a sync replica within seconds"))

const list = Command.make("list", {}, () =>
  Effect.gen(function*() {
    const syncs = yield* SyncStore.list
    if (syncs.length === 0) return yield* Console.log("no syncs")
    const rows = yield* Effect.forEach(syncs, (sync) => Effect.map(SyncStore.status(sync.id), (status) => SyncsTable.row(sync, status)))
    for (const line of SyncsTable.lines(rows)) yield* Console.log(line)
  }).pipe(Effect.provide(services))
).pipe(Command.withDescription("List syncs: state, phase, records the backfill read (BACKFILLED), owner, ETA and lag"))

const show = Command.make("show", { sync: syncId, json: Options.boolean("json").pipe(Options.withDescription("Print the sync as JSON")) }, (args) =>
  Effect.gen(function*() {
    const config = yield* SyncStore.get(args.sync)
    const status = yield* SyncStore.status(args.sync)
    if (args.json) return yield* Console.log(JSON.stringify(SyncDetails.json(config, status), null, 2))
    for (const line of SyncDetails.lines(config, status)) yield* Console.log(line)
  }).pipe(Effect.provide(services))
).pipe(Command.withDescription("Show a sync: its config (never its API key), status, and backfill progress per collection"))

const setState = (verb: "pause" | "resume") =>
  Command.make(verb, { sync: syncId }, (args) =>
    SyncStore.setState(args.sync, verb === "pause" ? "paused" : "active").pipe(
      Effect.zipRight(Console.log(`${verb === "pause" ? "paused" : "resumed"} ${args.sync}`)),
      Effect.provide(services)
    )
  ).pipe(Command.withDescription(verb === "pause" ? "Pause a sync (it keeps its state)" : "Resume a paused sync where it stopped"))

const remove = Command.make("delete", { sync: syncId }, (args) =>
  SyncStore.remove(args.sync).pipe(
    Effect.zipRight(Console.log(`deleted ${args.sync}`)),
    Effect.provide(services)
  )
).pipe(Command.withDescription("Delete a sync: its actor stops, its checkpoint and proxy credentials go; published records stay"))

const commands = [create, list, show, setState("pause"), setState("resume"), remove] as const

export const syncs = Command.make("syncs").pipe(
  Command.withDescription("Syncs: which upstream accounts are mirrored"),
  Command.withSubcommands(commands)
)

export const syncsHelp = Help.section(["syncs"], syncs, commands)
