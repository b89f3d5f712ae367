/**
 * A pooled connection held for one piece of work. While it is checked out, a server that
 * goes away makes the client emit `error`; without a listener Node would treat that as an
 * unhandled error and exit. The failed query reports the problem instead, and a client
 * whose work failed is destroyed rather than returned to the pool in an unknown state.
 */
import { Database } from "@tributary/core"
import type { Errors } from "@tributary/core"
import { Effect } from "effect"
import type pg from "pg"

const ignore = () => undefined

export const withClient = <A, E, R>(
  pool: pg.Pool,
  use: (client: pg.PoolClient) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | Errors.DatabaseError, R> =>
  Effect.acquireUseRelease(
    Database.tryDatabase("connect", () => pool.connect()).pipe(Effect.tap((client) => Effect.sync(() => client.on("error", ignore)))),
    use,
    (client, exit) =>
      Effect.sync(() => {
        client.off("error", ignore)
        client.release(exit._tag === "Failure")
      })
  )
