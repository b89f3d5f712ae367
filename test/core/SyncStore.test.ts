import { Ids, Nats, Provisioning, Secrets, SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Redacted } from "effect"

const env = Layer.merge(
  Nats.layer(Fixtures.natsSettings(Fixtures.namespace())),
  Secrets.layer(Redacted.make("s".repeat(32)))
)

describe("SyncStore", () => {
  it.scoped("creates, lists, pauses, resumes and deletes syncs; the API key is stored encrypted", () =>
    Effect.gen(function*() {
      yield* Provisioning.ensure()
      const keys = yield* Secrets.SecretKeys
      const created = yield* SyncStore.create({ source: "stripe", api_key: "sk_test_abc", external_id: "acme" })
      expect(created.api_key).not.toContain("sk_test_abc")
      expect(Either.map(Secrets.decrypt(keys, created.api_key), Redacted.value)).toStrictEqual(Either.right("sk_test_abc"))

      const { kvm, ns } = yield* Nats.Nats
      const raw = yield* Effect.promise(async () => (await (await kvm.open(ns.buckets.syncs)).get(created.id))?.string())
      expect(raw).not.toContain("sk_test_abc")

      expect((yield* SyncStore.list).map((s) => s.id)).toStrictEqual([created.id])
      expect((yield* SyncStore.setState(created.id, "paused")).state).toBe("paused")
      expect((yield* SyncStore.get(created.id)).state).toBe("paused")
      yield* SyncStore.setState(created.id, "active")
      yield* SyncStore.remove(created.id)
      expect(yield* SyncStore.list).toStrictEqual([])
      const missing = yield* Effect.flip(SyncStore.get(created.id))
      expect(missing._tag).toBe("NotFound")
      expect(yield* SyncStore.status(created.id)).toStrictEqual(Option.none())
    }).pipe(Effect.provide(env)))

  it.scoped("refuses a malformed source, naming the field", () =>
    Effect.gen(function*() {
      yield* Provisioning.ensure()
      const error = yield* Effect.flip(SyncStore.create({ source: "Not A Source", api_key: "sk" }))
      expect(error).toMatchObject({ _tag: "InvalidInput", field: "source" })
      // Well formed, but no connector runs it: refused before it is stored, naming the sources there are.
      const unsupported = yield* Effect.flip(SyncStore.create({ source: "github", api_key: "ghp_x" }))
      expect(unsupported).toMatchObject({ _tag: "InvalidInput", field: "source" })
      expect(unsupported.message).toContain("stripe")
      expect(yield* SyncStore.list).toStrictEqual([])
      const id = Ids.SyncId.make("sync_missing")
      expect((yield* Effect.flip(SyncStore.setState(id, "paused")))._tag).toBe("NotFound")
    }).pipe(Effect.provide(env)))
})
