/**
 * One transaction per batch. When Postgres refuses a record (a bad value, a user's
 * constraint), the batch is written again with the refused records set aside: halves
 * under savepoints, down to the single records at fault, so one poison record costs a
 * few statements and the rest of its batch still commits.
 */
import type { JsMsg } from "@nats-io/jetstream"
import { Database } from "@tributary/core"
import type { Errors as CoreErrors } from "@tributary/core"
import type { Tables } from "@tributary/tables"
import { Connection, Errors } from "@tributary/tables"
import { Effect, Either } from "effect"
import type pg from "pg"
import type { DeleteModes } from "./DeleteModes.js"

export interface Item {
  readonly message: JsMsg
  readonly record: Tables.EncodedRecord
}

export interface Refused {
  readonly item: Item
  readonly error: CoreErrors.DatabaseError
}

export interface Written {
  readonly committed: ReadonlyArray<Item>
  readonly refused: ReadonlyArray<Refused>
}

/** Failures worth retrying with the same batch: Postgres unavailable, a mapping to fix, KV unreachable. */
export type WriteFailure = Tables.ApplyError | CoreErrors.NatsError

export interface Writer {
  readonly write: (items: ReadonlyArray<Item>) => Effect.Effect<Written, WriteFailure>
}

const isRecordError = (error: WriteFailure): error is CoreErrors.DatabaseError =>
  error._tag === "DatabaseError" && Errors.isRecordError(error)

export const make = (pool: pg.Pool, tables: Tables.TablesService, deleteModes: DeleteModes): Writer => {
  const sql = (client: pg.ClientBase, text: string) => Database.tryDatabase(text, () => client.query(text))

  const write = (items: ReadonlyArray<Item>) =>
    Effect.gen(function*() {
      yield* tables.ensure(items.map((i) => i.record.collection))
      yield* deleteModes.load(items.map((i) => i.record.sync))
      const options = { syncDeleteMode: deleteModes.of }
      const apply = (client: pg.ClientBase, slice: ReadonlyArray<Item>) =>
        tables.applyEncoded(client, slice.map((i) => i.record), options)

      return yield* Connection.withClient(pool, (client) =>
          Effect.gen(function*() {
            yield* sql(client, "begin")
            const whole = yield* Effect.either(apply(client, items))
            if (Either.isRight(whole)) {
              yield* sql(client, "commit")
              return { committed: items, refused: [] }
            }
            yield* sql(client, "rollback")
            if (!isRecordError(whole.left)) return yield* Effect.fail(whole.left)

            const committed: Array<Item> = []
            const refused: Array<Refused> = []
            const isolate = (slice: ReadonlyArray<Item>, known?: CoreErrors.DatabaseError): Effect.Effect<void, WriteFailure> =>
              Effect.gen(function*() {
                let error = known
                if (error === undefined) {
                  yield* sql(client, "savepoint isolate")
                  const attempt = yield* Effect.either(apply(client, slice))
                  if (Either.isRight(attempt)) {
                    yield* sql(client, "release savepoint isolate")
                    committed.push(...slice)
                    return
                  }
                  yield* sql(client, "rollback to savepoint isolate")
                  yield* sql(client, "release savepoint isolate")
                  if (!isRecordError(attempt.left)) return yield* Effect.fail(attempt.left)
                  error = attempt.left
                }
                if (slice.length === 1) {
                  refused.push({ item: slice[0]!, error })
                  return
                }
                const half = Math.ceil(slice.length / 2)
                yield* isolate(slice.slice(0, half))
                yield* isolate(slice.slice(half))
              })
            yield* sql(client, "begin")
            yield* isolate(items, whole.left)
            yield* sql(client, "commit")
            return { committed, refused }
          }))
    })

  return { write }
}
