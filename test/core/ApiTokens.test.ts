/**
 * A token's name is what `tokens list` shows and what `tokens revoke` finds it by: one that
 * says nothing is refused however the token is created, not only by the CLI's option.
 */
import { ApiTokens, Nats, Provisioning } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

const env = Nats.layer(Fixtures.natsSettings(Fixtures.namespace()))

describe("ApiTokens.create", () => {
  it.scoped("refuses an empty or blank name, or one with spaces around it, and stores nothing", () =>
    Effect.gen(function*() {
      yield* Provisioning.ensure()
      for (const name of ["", "   ", " admin"]) {
        const error = yield* Effect.flip(ApiTokens.create(name))
        expect(error, JSON.stringify(name)).toMatchObject({ _tag: "InvalidInput", field: "name" })
      }
      expect(yield* ApiTokens.list).toStrictEqual([])
      const { record } = yield* ApiTokens.create("worker")
      expect((yield* ApiTokens.list).map((t) => t.name)).toStrictEqual([record.name])
    }).pipe(Effect.provide(env)))
})
