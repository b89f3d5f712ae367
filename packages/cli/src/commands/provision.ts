/**
 * `tributary provision`: create or repair every stream and KV bucket. Services do this
 * at start too; the command exists for operators and for a Helm pre-install hook.
 */
import { Command, Options } from "@effect/cli"
import { Log, Nats, Provisioning } from "@tributary/core"
import { Console, Effect, Layer, Schema } from "effect"
import * as Input from "../internal/Input.js"

const replicas = Options.integer("replicas").pipe(
  Options.withDescription("JetStream replicas per stream and bucket (3 in a production cluster)"),
  Options.withDefault(Provisioning.defaultLimits.replicas)
)

// JetStream keeps 1 replica when asked for 0, so `--replicas 0` would report a repair on
// every run and make none; a negative count would fail on the first stream, in NATS' words.
const Replicas = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1, { message: () => "must be at least 1" }))

export const provision = Command.make("provision", { replicas }, (args) =>
  Effect.gen(function*() {
    const replicas = yield* Input.decode(Replicas, "--replicas")(args.replicas)
    const outcomes = yield* Provisioning.ensure({ ...Provisioning.defaultLimits, replicas })
    for (const outcome of outcomes) {
      const detail = outcome.action === "repaired"
        ? ` (${outcome.drift.map((d) => `${d.field}: ${JSON.stringify(d.actual)} → ${JSON.stringify(d.expected)}`).join(", ")})`
        : ""
      yield* Console.log(`${outcome.resource.padEnd(32)} ${outcome.action}${detail}`)
    }
  }).pipe(Effect.provide(Layer.merge(Nats.layerConfig("tributary-cli"), Log.layer("cli", "warn"))))
).pipe(Command.withDescription("Create or repair Tributary's JetStream streams and KV buckets"))
