import { Collection, Ids, Nats, Provisioning, Subjects } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

describe("RECORDS and EVENTS", () => {
  it.scoped("RECORDS keeps only the latest version of a record, EVENTS keeps every version", () =>
    Effect.gen(function*() {
      const { js, jsm, ns } = yield* Nats.Nats
      yield* Provisioning.ensure()
      const sync = Ids.SyncId.make("sync_a")
      const customers = Collection.make("stripe", "customer")
      const recordSubject = Subjects.forRecord(ns, "records", sync, customers, "cus.1 ü")
      const eventSubject = Subjects.forRecord(ns, "events", sync, customers, "cus.1 ü")

      for (const version of [1, 2, 3]) {
        const body = JSON.stringify({ updated_idx: version })
        yield* Effect.promise(() => js.publish(recordSubject, body))
        yield* Effect.promise(() => js.publish(eventSubject, body))
      }

      const records = yield* Effect.promise(() => jsm.streams.info(ns.streams.records))
      const events = yield* Effect.promise(() => jsm.streams.info(ns.streams.events))
      expect(records.state.messages).toBe(1)
      expect(events.state.messages).toBe(3)

      const latest = yield* Effect.promise(() => jsm.streams.getMessage(ns.streams.records, { last_by_subj: recordSubject }))
      expect(latest?.json()).toStrictEqual({ updated_idx: 3 })
      const versions = yield* Effect.forEach([1, 2, 3], (seq) =>
        Effect.promise(() => jsm.streams.getMessage(ns.streams.events, { seq })))
      expect(versions.map((m) => m?.json())).toStrictEqual([{ updated_idx: 1 }, { updated_idx: 2 }, { updated_idx: 3 }])
    }).pipe(Effect.provide(Nats.layer(Fixtures.natsSettings(Fixtures.namespace())))))
})
