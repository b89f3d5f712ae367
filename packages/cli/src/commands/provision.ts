/**
 * `tributary provision`: create or repair every stream and KV bucket. Services do this
 * at start too; the command exists for operators and for a Helm pre-install hook.
 */
import { Command, Options } from "@effect/cli"
import { Log, Provisioning } from "@tributary/core"
import { Console, Effect, Layer, Option, Schema } from "effect"
import * as Input from "../internal/Input.js"
import * as CliNats from "../internal/CliNats.js"

/** JetStream takes 1 to 5 replicas per stream. */
const ReplicaCount = Schema.Int.pipe(Schema.between(1, 5, { message: () => "must be 1 to 5 (JetStream's range)" }))

// Without the option each stream and bucket keeps the count it has. A count out of range is
// refused as the command line is parsed, before NATS is dialled (Input.ts).
const replicas = Input.decoded(
  Input.integer("replicas").pipe(
    Options.withDescription(
      "JetStream replicas per stream and bucket (3 in a production cluster); without it, each keeps its own, and new ones get RECORDS' count (1 on a new server)"
    )
  ),
  ReplicaCount
).pipe(Options.optional)

export const provision = Command.make("provision", { replicas }, ({ replicas }) =>
  Effect.gen(function*() {
    const outcomes = yield* Provisioning.ensure({ ...Provisioning.defaultLimits, replicas: Option.getOrUndefined(replicas) })
    for (const outcome of outcomes) {
      const detail = outcome.action === "repaired"
        ? ` (${outcome.drift.map((d) => `${d.field}: ${JSON.stringify(d.actual)} → ${JSON.stringify(d.expected)}`).join(", ")})`
        : ""
      yield* Console.log(`${outcome.resource.padEnd(32)} ${outcome.action}${detail}`)
    }
  }).pipe(Effect.provide(Layer.merge(CliNats.layerConfig, Log.layer("cli", "warn"))))
).pipe(Command.withDescription("Create or repair Tributary's JetStream streams and KV buckets"))
