/**
 * `tributary syncs create|list|pause|resume|delete`: sync configs in the `syncs` bucket,
 * through core's `SyncStore` (the same path the management API will take). The sync
 * service watches the bucket, so every change takes effect without a restart.
 */
import { Sources } from "@tributary/connectors"
import { Args, Command, Options } from "@effect/cli"
import { Collection, Errors, Ids, Log, Nats, Secrets, Settings, SyncConfig, SyncStore } from "@tributary/core"
import { Config, Console, Effect, Layer, Option, Redacted, Schema } from "effect"
import { etaOf } from "../internal/EtaText.js"
import * as Help from "../internal/Help.js"
import * as Input from "../internal/Input.js"

const services = Layer.mergeAll(Nats.layerConfig("tributary-cli"), Log.layer("cli", "warn"))

/** `create` needs the secret key too: read with NATS's settings, so that a bad value of each is reported at once. */
const withSecretKey = Layer.unwrapEffect(Effect.map(
  Config.all({ nats: Settings.nats, secretKey: Settings.secretKey }),
  ({ nats, secretKey }) => Layer.mergeAll(Nats.layer(nats, "tributary-cli"), Secrets.layer(secretKey), Log.layer("cli", "warn"))
))

const source = Options.text("source").pipe(
  Options.withDescription(`The upstream API: ${SyncConfig.supportedSources.join(", ")}`),
  Options.withDefault("stripe")
)
const apiKey = Input.orEnv(
  Options.redacted("api-key").pipe(
    Options.withDescription("The upstream API key, else TRIBUTARY_SYNC_API_KEY (stored encrypted with TRIBUTARY_SECRET_KEY)")
  ),
  "TRIBUTARY_SYNC_API_KEY",
  Schema.Redacted(Schema.String)
)
const account = Options.optional(Options.text("account").pipe(Options.withDescription("Connected account (Stripe-Account)")))
const apiBaseUrl = Options.optional(Options.text("api-base-url").pipe(
  Options.withDescription("Where the API lives, e.g. an emulator (default: the public endpoint)")
))
const externalId = Options.optional(Options.text("external-id").pipe(Options.withDescription("Your own id for this sync")))
const name = Options.optional(Options.text("name").pipe(Options.withDescription("A name for people to read")))
const id = Options.optional(Options.text("id").pipe(Options.withDescription("The sync id (default: generated)")))
const collections = Options.text("collections").pipe(
  Options.withDescription("Comma-separated collections (stripe:customer,…) or 'all'"),
  Options.withDefault("all")
)
const quota = Options.optional(Input.integer("quota").pipe(
  Options.withDescription(
    "The account's upstream quota, requests per second (default: the source's limit for the key; Stripe: 25 for a test-mode key on api.stripe.com, else 100)"
  )
))
const share = Input.float("share").pipe(
  Options.withDescription("The share of the quota the sync may use (0–1]"),
  Options.withDefault(SyncConfig.defaultRateBudget.share)
)

// Decoded in the handler with Input.decode, not Args.withSchema: a bad id is then one line
// naming `<sync>` and exit 1, as for every option, instead of the schema's parse tree.
const syncId = Args.text({ name: "sync" }).pipe(Args.withDescription("The sync id (see `syncs list`)"))
const decodeSyncId = Input.decode(Ids.SyncId, "<sync>")

const parseCollections = (value: string) =>
  value === "all"
    ? Effect.succeed("all" as const)
    : Effect.forEach(value.split(",").map((c) => c.trim()).filter((c) => c !== ""), (c) =>
      Input.decode(Collection.CollectionId, "--collections")(c))

/**
 * `SyncStore.create` names the stored field at fault (`api_base_url`, `collections[1]`), as
 * the management API's 400 does; on the command line the option that gave it is the name to say.
 */
const optionOf = (field: string): string =>
  field === "api_base_url" ? "--api-base-url"
    : field === "api_key" ? "--api-key"
    : field === "collections" || field.startsWith("collections[") ? "--collections"
    : field

const create = Command.make(
  "create",
  { source, apiKey, account, apiBaseUrl, externalId, name, id, collections, quota, share },
  (args) =>
    Effect.gen(function*() {
      const source = yield* Input.decode(SyncConfig.SupportedSource, "--source")(args.source)
      const chosen = yield* parseCollections(args.collections)
      const given = Option.isSome(args.id) ? yield* Input.decode(Ids.SyncId, "--id")(args.id.value) : undefined
      const share = yield* Input.decode(SyncConfig.RateBudget.fields.share, "--share")(args.share)
      const quota = Option.isSome(args.quota)
        ? { quota_per_second: yield* Input.decode(SyncConfig.RateBudget.fields.quota_per_second.from, "--quota")(args.quota.value) }
        : {}
      const created = yield* SyncStore.create({
        source,
        api_key: Redacted.value(args.apiKey),
        collections: chosen,
        rate_budget: { share, ...quota },
        ...(given === undefined ? {} : { id: given }),
        ...Option.match(args.account, { onNone: () => ({}), onSome: (account) => ({ account }) }),
        ...Option.match(args.apiBaseUrl, { onNone: () => ({}), onSome: (api_base_url) => ({ api_base_url }) }),
        ...Option.match(args.externalId, { onNone: () => ({}), onSome: (external_id) => ({ external_id }) }),
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
    // BACKFILLED is what the backfill read (the status's progress), not the rows there are now.
    yield* Console.log(`${"SYNC".padEnd(26)} ${"SOURCE".padEnd(8)} ${"STATE".padEnd(7)} ${"PHASE".padEnd(12)} ${"BACKFILLED".padStart(10)}  DETAIL`)
    for (const sync of syncs) {
      const status = yield* SyncStore.status(sync.id)
      const phase = Option.match(status, { onNone: () => "-", onSome: (s) => s.phase })
      const backfilled = Option.match(status, {
        onNone: () => 0,
        onSome: (s) => Object.values(s.progress).reduce((total, p) => total + p.records, 0)
      })
      const detail = Option.match(status, {
        onNone: () => "",
        onSome: (s) =>
          [
            s.owner === undefined ? undefined : `on ${s.owner}`,
            s.phase !== "backfilling" ? undefined : etaOf(s),
            s.lag_seconds === undefined ? undefined : `lag ${s.lag_seconds.toFixed(1)}s`,
            s.reason
          ].filter((part) => part !== undefined).join("; ")
      })
      yield* Console.log(
        `${sync.id.padEnd(26)} ${sync.source.padEnd(8)} ${sync.state.padEnd(7)} ${phase.padEnd(12)} ${String(backfilled).padStart(10)}  ${detail}`
      )
    }
  }).pipe(Effect.provide(services))
).pipe(Command.withDescription("List syncs: state, phase, records the backfill read (BACKFILLED), owner, ETA and lag"))

const setState = (verb: "pause" | "resume") =>
  Command.make(verb, { sync: syncId }, (args) =>
    decodeSyncId(args.sync).pipe(
      Effect.flatMap((id) => SyncStore.setState(id, verb === "pause" ? "paused" : "active")),
      Effect.zipRight(Console.log(`${verb === "pause" ? "paused" : "resumed"} ${args.sync}`)),
      Effect.provide(services)
    )
  ).pipe(Command.withDescription(verb === "pause" ? "Pause a sync (it keeps its state)" : "Resume a paused sync where it stopped"))

const remove = Command.make("delete", { sync: syncId }, (args) =>
  decodeSyncId(args.sync).pipe(
    Effect.flatMap(SyncStore.remove),
    Effect.zipRight(Console.log(`deleted ${args.sync}`)),
    Effect.provide(services)
  )
).pipe(Command.withDescription("Delete a sync: its actor stops and its checkpoint is removed; published records stay"))

const commands = [create, list, setState("pause"), setState("resume"), remove] as const

export const syncs = Command.make("syncs").pipe(
  Command.withDescription("Syncs: which upstream accounts are mirrored"),
  Command.withSubcommands(commands)
)

export const syncsHelp = Help.section(["syncs"], syncs, commands)
