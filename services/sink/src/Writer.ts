/**
 * One transaction per batch. When Postgres refuses a record (a bad value, a user's
 * constraint), the batch is written again with the refused records set aside: halves
 * under savepoints, down to the single records at fault, so one poison record costs a
 * few statements and the rest of its batch still commits. Records of a collection whose
 * table cannot be made are refused the same way, before the transaction. A table or column
 * dropped by hand is made again within the batch that finds it gone.
 */
import type { JsMsg } from "@nats-io/jetstream"
import { Database } from "@tributary/core"
import type { Collection, Errors as CoreErrors } from "@tributary/core"
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

const isCollectionError = (error: WriteFailure): error is CoreErrors.DatabaseError =>
  error._tag === "DatabaseError" && Errors.isCollectionError(error)

export const make = (pool: pg.Pool, tables: Tables.TablesService, deleteModes: DeleteModes): Writer => {
  const sql = (client: pg.ClientBase, text: string) => Database.tryDatabase(text, () => client.query(text))

  /**
   * The batch's tables, created or migrated. A collection whose table can never be made (its
   * name clashes with a table of another shape) must not hold back the rest: its records
   * are refused, each with the error, and the others are written.
   */
  const ensure = (items: ReadonlyArray<Item>) =>
    Effect.gen(function*() {
      const collections = [...new Set(items.map((i) => i.record.collection))]
      const together = yield* Effect.either(tables.ensure(collections))
      if (Either.isRight(together)) return { writable: items, refused: [] }
      if (!isCollectionError(together.left)) return yield* Effect.fail(together.left)
      const failed = new Map<Collection.CollectionId, CoreErrors.DatabaseError>()
      for (const collection of collections) {
        const alone = yield* Effect.either(tables.ensure([collection]))
        if (Either.isRight(alone)) continue
        if (!isCollectionError(alone.left)) return yield* Effect.fail(alone.left)
        failed.set(collection, alone.left)
      }
      const refused: Array<Refused> = []
      const writable: Array<Item> = []
      for (const item of items) {
        const error = failed.get(item.record.collection)
        if (error === undefined) writable.push(item)
        else refused.push({ item, error })
      }
      return { writable, refused }
    })

  const writeEnsured = (items: ReadonlyArray<Item>) =>
    Effect.gen(function*() {
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

  const writeOnce = (batch: ReadonlyArray<Item>): Effect.Effect<Written, WriteFailure> =>
    Effect.flatMap(ensure(batch), ({ writable, refused }) =>
      writable.length === 0
        ? Effect.succeed({ committed: [], refused })
        : Effect.map(writeEnsured(writable), (written) => ({ ...written, refused: [...refused, ...written.refused] })))

  // A table or column dropped by hand shows up as the batch fails; `tables` then forgets what
  // it prepared, so the next `ensure` finds the gap and migrates it back. Writing again at once
  // makes that repair part of this batch, not a failure with a back-off and a moment not ready.
  const write = (batch: ReadonlyArray<Item>): Effect.Effect<Written, WriteFailure> =>
    writeOnce(batch).pipe(
      Effect.catchIf(
        (error) => error._tag === "DatabaseError" && Errors.isSchemaMissing(error),
        (error) =>
          Effect.logInfo("a table or column the sink made is gone (dropped by hand?); making it again").pipe(
            Effect.annotateLogs({ detail: error.message }),
            Effect.zipRight(writeOnce(batch))
          )
      )
    )

  return { write }
}
