import { StorageType } from "@nats-io/jetstream"
import { Nats, Provisioning } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

const withNats = <A, E>(effect: Effect.Effect<A, E, Nats.Nats>) =>
  Effect.provide(effect, Nats.layer(Fixtures.natsSettings(Fixtures.namespace())))

describe("Provisioning", () => {
  it.scoped("is idempotent: a second run changes nothing", () =>
    withNats(Effect.gen(function*() {
      const first = yield* Provisioning.ensure()
      expect(first.every((o) => o.action === "created")).toBe(true)
      expect(first.length).toBe(9)
      const second = yield* Provisioning.ensure()
      expect(second.map((o) => o.action)).toStrictEqual(first.map(() => "unchanged"))
    })))

  it.scoped("repairs a drifted max_msgs_per_subject on RECORDS", () =>
    withNats(Effect.gen(function*() {
      const { jsm, ns } = yield* Nats.Nats
      yield* Provisioning.ensure()
      yield* Effect.promise(() => jsm.streams.update(ns.streams.records, { max_msgs_per_subject: 5 }))
      const outcomes = yield* Provisioning.ensure()
      const records = outcomes.find((o) => o.resource === ns.streams.records)
      expect(records).toStrictEqual({
        resource: ns.streams.records,
        action: "repaired",
        drift: [{ field: "max_msgs_per_subject", expected: 1, actual: 5 }]
      })
      const info = yield* Effect.promise(() => jsm.streams.info(ns.streams.records))
      expect(info.config.max_msgs_per_subject).toBe(1)
    })))

  it.scoped("refuses to silently rewrite a setting JetStream cannot change", () =>
    withNats(Effect.gen(function*() {
      const { jsm, ns } = yield* Nats.Nats
      yield* Effect.promise(() =>
        jsm.streams.add({ name: ns.streams.events, subjects: [`${ns.root}.events.>`], storage: StorageType.Memory })
      )
      const error = yield* Effect.flip(Provisioning.ensure())
      expect(error._tag).toBe("StreamConfigConflict")
      expect(error.message).toContain("storage")
    })))
})
