/**
 * `tributary verify --sync ID`: is Postgres an exact copy of the upstream state? Prints
 * the counts per collection and every missing, extra or stale row, and exits 1 on any
 * difference (2 when it cannot compare: `Cli.ts`).
 *
 * The upstream state comes from the emulator's dump when the sync points at an
 * emulator (`--expected emulator`, or `auto` with the sync's `api_base_url` set).
 * Against the real API (`--expected api`, or `auto` without an `api_base_url`) it lists
 * every collection through the source's connector (`verify/ApiState.ts`).
 */
import { Command, Options } from "@effect/cli"
import { Database, Ids, Log, Secrets, Settings, SyncStore } from "@tributary/core"
import type { SyncConfig } from "@tributary/core"
import { TablesConfig, Verification } from "@tributary/tables"
import { Config, Console, Effect, Either, Layer, Option, Schema } from "effect"
import { Sources } from "@tributary/connectors"
import * as Input from "../internal/Input.js"
import * as ApiState from "../verify/ApiState.js"
import * as CliNats from "../internal/CliNats.js"

// A bad id is refused as the command line is parsed, before any connection (Input.ts).
const sync = Input.decoded(Options.text("sync").pipe(Options.withDescription("The sync to verify")), Ids.SyncId)
const expected = Input.choice("expected", ["auto", "emulator", "api"]).pipe(
  Options.withDescription("Where the upstream state comes from: the emulator's dump, or the API listed now (auto: the emulator when the sync has an api_base_url)"),
  Options.withDefault("auto" as const)
)
// Checked as a sync's api_base_url is, while parsing: it is one, given for this run.
const emulatorUrl = Options.optional(Input.checked(
  Options.text("emulator-url").pipe(Options.withDescription("The emulator's URL (default: the sync's api_base_url)")),
  SyncStore.problemWithBaseUrl
))
const json = Options.boolean("json").pipe(Options.withDescription("Print the report as JSON"))

export class VerifyUnavailable extends Schema.TaggedError<VerifyUnavailable>()("VerifyUnavailable", {
  detail: Schema.String
}) {
  override get message() {
    return this.detail
  }
}

const expectedStateFor = (
  config: SyncConfig.SyncConfig,
  choice: "auto" | "emulator" | "api",
  emulator: Option.Option<string>
) =>
  Effect.gen(function*() {
    const keys = yield* Secrets.SecretKeys
    const baseUrl = Option.getOrUndefined(Option.orElse(emulator, () => Option.fromNullable(config.api_base_url)))
    const useEmulator = choice === "emulator" || (choice === "auto" && baseUrl !== undefined)
    const apiKey = Secrets.decrypt(keys, config.api_key)
    if (Either.isLeft(apiKey)) return yield* Effect.fail(apiKey.left)
    if (!useEmulator) {
      const listed = yield* ApiState.forSync(config, apiKey.right)
      if (listed === undefined) {
        return yield* Effect.fail(new VerifyUnavailable({ detail: `the CLI has no connector for source ${config.source}` }))
      }
      return listed
    }
    if (baseUrl === undefined) {
      return yield* Effect.fail(new VerifyUnavailable({ detail: `sync ${config.id} has no api_base_url; pass --emulator-url` }))
    }
    const dump = Verification.DumpState.make({
      baseUrl,
      apiKey: apiKey.right,
      expand: Sources.forSource(config.source)?.expandedLists ?? [],
      ...(config.account === undefined ? {} : { account: config.account })
    })
    // The dump holds the whole account; the listings above already read only the sync's collections.
    return config.collections === "all" ? dump : Verification.ExpectedState.restrictTo(dump, config.collections)
  })

export const format = (report: Verification.Verify.Report): string => {
  const lines = [`verify ${report.sync} against ${report.source}`]
  for (const c of report.collections) {
    const ok = c.missing.length + c.extra.length + c.stale.length === 0
    lines.push(`${ok ? "ok  " : "DIFF"} ${c.collection.padEnd(40)} ${c.table.padEnd(36)} expected ${c.expected}, postgres ${c.actual}`)
    for (const id of c.missing) lines.push(`       missing ${id}`)
    for (const id of c.extra) lines.push(`       extra   ${id}`)
    for (const id of c.stale) lines.push(`       stale   ${id}`)
  }
  lines.push(
    report.differences === 0 ? "0 differences: Postgres is an exact copy"
      : report.differences === 1 ? "1 difference"
      : `${report.differences} differences`
  )
  return lines.join("\n")
}

/** Everything `verify` reads from `TRIBUTARY_*`, read together so that every bad value is reported at once. */
const settings = Config.all({ nats: Settings.nats, postgres: Settings.postgres, secretKey: Settings.secretKey, tables: TablesConfig.fromEnv })

export const verify = Command.make("verify", { sync, expected, emulatorUrl, json }, (args) =>
  Effect.flatMap(settings, ({ nats, postgres, secretKey, tables }) =>
    Effect.gen(function*() {
      const config = yield* SyncStore.get(args.sync)
      const state = yield* expectedStateFor(config, args.expected, args.emulatorUrl)
      const { pool } = yield* Database.Database
      const report = yield* Verification.Verify.run(pool, tables, args.sync, state)
      yield* Console.log(args.json ? JSON.stringify(report, null, 2) : format(report))
      if (report.differences > 0) process.exitCode = 1
    }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(
      CliNats.layer(nats),
      Database.layer(postgres, "tributary-verify"),
      Secrets.layer(secretKey),
      Log.layer("cli", "warn")
    ))))
).pipe(Command.withDescription("Compare Postgres with the upstream state of a sync; exit 1 on any difference, 2 when it cannot compare"))
