/** A database of its own per test, as a pg pool. */
import type {} from "@tributary/testkit/globalSetup"
import { Fixtures } from "@tributary/testkit"
import { Effect } from "effect"
import pg from "pg"

export const freshPool = Effect.acquireRelease(
  Effect.promise(async () => new pg.Pool({ connectionString: await Fixtures.freshDatabase("tables"), max: 6 })),
  (pool) => Effect.promise(() => pool.end())
)

/** Run `use` inside one transaction on a client of its own. */
export const inTransaction = <A, E>(pool: pg.Pool, use: (client: pg.PoolClient) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.promise(async () => {
      const client = await pool.connect()
      await client.query("begin")
      return client
    }),
    (client) => Effect.tap(use(client), () => Effect.promise(() => client.query("commit"))),
    (client, exit) =>
      Effect.promise(async () => {
        if (exit._tag === "Failure") await client.query("rollback")
        client.release()
      })
  )
