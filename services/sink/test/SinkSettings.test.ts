/**
 * Every invalid `TRIBUTARY_SINK_*` or `TRIBUTARY_TABLES` value stops the sink at start-up
 * with a message naming the variable (and, inside TRIBUTARY_TABLES, the collection and
 * the setting) and saying what is wrong; nothing is ignored silently.
 */
import { Env, Main } from "@tributary/core"
import { TablesConfig } from "@tributary/tables"
import { describe, expect, it } from "@effect/vitest"
import { Config, Effect, Exit } from "effect"
import * as SinkSettings from "../src/SinkSettings.js"

/** The sink's own part of what it reads at start-up (`Service.config` adds NATS, Postgres, log and metrics). */
const startup = Config.all([SinkSettings.sink, TablesConfig.fromEnv])

const refusal = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Effect.provide(startup, Env.layer(env)))
    if (Exit.isSuccess(exit)) return yield* Effect.die(`expected ${JSON.stringify(env)} to be refused`)
    return Main.describeFailure(exit.cause)
  })

const sinkCases: ReadonlyArray<readonly [variable: string, value: string, reason: string]> = [
  ["TRIBUTARY_SINK_CONSUMER", "has spaces", "must contain only letters, digits, '_' and '-'"],
  ["TRIBUTARY_SINK_CONSUMER", "a.b", "must contain only letters, digits, '_' and '-'"],
  ["TRIBUTARY_SINK_CONSUMER", "", "must contain only letters, digits, '_' and '-'"],
  ["TRIBUTARY_SINK_CONSUMER", "c".repeat(65), "maxLength(64)"],
  ["TRIBUTARY_SINK_BATCH_SIZE", "many", "Unable to decode \"many\" into a number"],
  ["TRIBUTARY_SINK_BATCH_SIZE", "0", "between 1 and 10000"],
  ["TRIBUTARY_SINK_BATCH_SIZE", "10001", "between 1 and 10000"],
  ["TRIBUTARY_SINK_BATCH_SIZE", "1.5", "Expected an integer"],
  ["TRIBUTARY_SINK_CONCURRENCY", "0", "between 1 and 32"],
  ["TRIBUTARY_SINK_CONCURRENCY", "33", "between 1 and 32"],
  ["TRIBUTARY_SINK_ACK_WAIT_MS", "999", "between 1000 and 3600000"],
  ["TRIBUTARY_SINK_ACK_WAIT_MS", "30s", "Unable to decode \"30s\" into a number"],
  ["TRIBUTARY_SINK_MAX_DELIVER", "-1", "between 1 and 1000"],
  ["TRIBUTARY_SINK_MAX_DELIVER", "1001", "between 1 and 1000"],
  ["TRIBUTARY_SINK_MAX_ACK_PENDING", "0", "between 1 and 1000000"],
  ["TRIBUTARY_SINK_MAX_ACK_PENDING", "Infinity", "Expected an integer"],
  ["TRIBUTARY_SINK_RETRY_MAX_MS", "99", "between 100 and 600000"],
  ["TRIBUTARY_SINK_RETRY_MAX_MS", "NaN", "Expected an integer"],
  ["TRIBUTARY_SINK_PORT", "65536", "between 0 and 65535"],
  ["TRIBUTARY_SINK_PORT", "-1", "between 0 and 65535"],
  ["TRIBUTARY_SINK_PORT", "http", "Unable to decode \"http\" into a number"]
]

const mapped = { table: "billing.customers", columns: { id: "id", version: "updated_idx" } }

const tablesCases: ReadonlyArray<readonly [what: string, value: unknown, reasons: ReadonlyArray<string>]> = [
  ["not JSON", "{", ["parseJson"]],
  ["not an object", [], ["Expected TablesConfig, actual []"]],
  ["a key that is not a collection id", { "Stripe:Customer": {} }, ["[\"Stripe:Customer\"]", "is unexpected"]],
  ["a misspelt setting", { "stripe:customer": { tabel: "billing.customers" } }, ["[\"stripe:customer\"]", "[\"tabel\"]", "is unexpected"]],
  ["an unknown delete mode", { "stripe:customer": { delete_mode: "never" } }, ["[\"delete_mode\"]", "actual \"never\""]],
  ["a table that is not schema.table", { "stripe:customer": { ...mapped, table: "a.b.c" } }, ["[\"table\"]", "must be schema.table (or table, in public)"]],
  ["columns without a table", { "stripe:customer": { columns: mapped.columns } }, ["[\"stripe:customer\"]", "columns need a table"]],
  ["a table without columns", { "stripe:customer": { table: mapped.table } }, ["a mapped table needs columns"]],
  ["an unknown key source", { "stripe:customer": { ...mapped, key: "email" } }, ["[\"key\"]", "actual \"email\""]],
  ["no column for the key", { "stripe:customer": { ...mapped, columns: { version: "updated_idx" } } },
    ["one column must hold id (the table's unique key)"]],
  ["no column for the upstream key", { "stripe:customer": { ...mapped, key: "upstream_id" } },
    ["one column must hold upstream_id"]],
  ["no column for the version", { "stripe:customer": { ...mapped, columns: { id: "id" } } }, ["one column must hold updated_idx"]],
  ["a column from an unknown field", { "stripe:customer": { ...mapped, columns: { ...mapped.columns, mail: "email" } } },
    ["[\"mail\"]", "or data.<path>"]],
  ["a column from an empty data path", { "stripe:customer": { ...mapped, columns: { ...mapped.columns, x: "data." } } },
    ["[\"x\"]", "or data.<path>"]]
]

describe("sink start-up configuration", () => {
  it.effect.each(sinkCases)("%s=%j is refused, naming the variable", ([variable, value, reason]) =>
    Effect.gen(function*() {
      const message = yield* refusal({ [variable]: value })
      expect(message).toMatch(/^invalid configuration: /)
      expect(message).toContain(`at ${variable}`)
      expect(message).toContain(reason)
    }))

  it.effect.each(tablesCases)("TRIBUTARY_TABLES with %s is refused, naming what is wrong", ([, value, reasons]) =>
    Effect.gen(function*() {
      const message = yield* refusal({ TRIBUTARY_TABLES: typeof value === "string" ? value : JSON.stringify(value) })
      expect(message).toMatch(/^invalid configuration: /)
      expect(message).toContain("at TRIBUTARY_TABLES")
      for (const reason of reasons) expect(message).toContain(reason)
    }))

  it.effect("the defaults and a valid mapping are accepted", () =>
    Effect.gen(function*() {
      const [settings, tables] = yield* Effect.provide(startup, Env.layer({
        TRIBUTARY_SINK_BATCH_SIZE: "500",
        TRIBUTARY_TABLES: JSON.stringify({ "stripe:customer": { delete_mode: "hard" }, "stripe:subscription": mapped })
      }))
      expect(settings).toEqual({ ...SinkSettings.defaults, batchSize: 500 })
      expect(tables).toEqual({ "stripe:customer": { delete_mode: "hard" }, "stripe:subscription": mapped })
    }))
})
