import { it } from "@effect/vitest"
import { ApiTokens, Ids, Nats, Provisioning, ProxyCredentials } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { Effect, Option } from "effect"
import { describe, expect } from "vitest"

const nats = () => Nats.layer(Fixtures.natsSettings(Fixtures.namespace()))

describe("proxy credentials", () => {
  it.scoped("are stored as a SCRAM verifier, rotate, and revoke", () =>
    Effect.gen(function*() {
      yield* Provisioning.ensure()
      const sync = Ids.SyncId.make("sync_creds")
      const first = yield* ProxyCredentials.issue("app", sync)
      expect(first.credential.user).toBe("app.sync_creds")
      expect(first.credential.verifier).toMatch(/^SCRAM-SHA-256\$/)
      expect(first.credential.verifier).not.toContain(first.password)
      const rotated = yield* ProxyCredentials.issue("app", sync)
      expect(rotated.password).not.toBe(first.password)
      expect(rotated.credential.verifier).not.toBe(first.credential.verifier)
      expect(rotated.credential.created_at).toBe(first.credential.created_at)
      expect((yield* ProxyCredentials.list(sync)).map((c) => c.user)).toEqual(["app.sync_creds"])
      yield* ProxyCredentials.revoke("app.sync_creds")
      expect(Option.isNone(yield* ProxyCredentials.get("app.sync_creds"))).toBe(true)
      expect(yield* Effect.flip(ProxyCredentials.issue("Bad Name", sync))).toMatchObject({ _tag: "InvalidInput" })
      // A user no credential can have is simply unknown (a login gets 28P01), never a NATS error.
      expect(Option.isNone(yield* ProxyCredentials.get("Bad Name.sync_creds"))).toBe(true)
      expect(yield* Effect.flip(ProxyCredentials.revoke("Bad Name.sync_creds"))).toMatchObject({ _tag: "NotFound" })
    }).pipe(Effect.provide(nats())))

  it.scoped("share the tokens bucket without showing up as API tokens", () =>
    Effect.gen(function*() {
      yield* Provisioning.ensure()
      yield* ProxyCredentials.issue("app", Ids.SyncId.make("sync_shared"))
      const { record } = yield* ApiTokens.create("admin")
      expect((yield* ApiTokens.list).map((t) => t.id)).toEqual([record.id])
    }).pipe(Effect.provide(nats())))
})
