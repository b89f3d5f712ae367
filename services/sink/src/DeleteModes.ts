/**
 * The delete mode of each sync (`soft` or `hard`, set on the sync), kept current by
 * watching the syncs bucket, so a change takes effect without a restart. A sync not
 * seen yet is read once; one the bucket does not hold is `soft`. The watch is a part of
 * the sink (`Parts`): a watch that stopped would leave every later change unseen.
 */
import { Nats } from "@tributary/core"
import type { Errors, Ids, SyncConfig } from "@tributary/core"
import { Effect, Schema } from "effect"
import type { Scope } from "effect"
import type { Parts } from "./Parts.js"

export interface DeleteModes {
  /** What `Tables.ApplyOptions.syncDeleteMode` needs, for the syncs `load` was given. */
  readonly of: (sync: Ids.SyncId) => SyncConfig.DeleteMode
  /** Make sure these syncs' modes are known (a KV read for a sync not seen yet). */
  readonly load: (syncs: Iterable<Ids.SyncId>) => Effect.Effect<void, Errors.NatsError>
}

const ModeOnly = Schema.parseJson(Schema.Struct({ delete_mode: Schema.Literal("soft", "hard") }))
const decodeMode = Schema.decodeUnknownOption(ModeOnly)

export const start = (parts: Parts): Effect.Effect<DeleteModes, never, Nats.Nats | Scope.Scope> => Effect.gen(function*() {
  const modes = new Map<string, SyncConfig.DeleteMode>()
  const kv = yield* Nats.bucket("syncs").pipe(Effect.orDie)
  const watch = yield* Effect.acquireRelease(
    Nats.tryNats("watch syncs", () => kv.watch()).pipe(Effect.orDie),
    (watch) => Effect.sync(() => watch.stop())
  )
  yield* parts.forever("the delete-mode watch", Effect.promise(async () => {
    for await (const entry of watch) {
      if (entry.operation !== "PUT") continue
      const decoded = decodeMode(entry.string())
      if (decoded._tag === "Some") modes.set(entry.key, decoded.value.delete_mode)
    }
  }))
  return {
    of: (sync) => modes.get(sync) ?? "soft",
    load: (syncs) =>
      Effect.forEach([...syncs].filter((sync) => !modes.has(sync)), (sync) =>
        Nats.tryNats(`read sync ${sync}`, () => kv.get(sync)).pipe(
          Effect.map((entry) => {
            const decoded = entry?.operation === "PUT" ? decodeMode(entry.string()) : undefined
            if (!modes.has(sync)) modes.set(sync, decoded?._tag === "Some" ? decoded.value.delete_mode : "soft")
          })
        ), { discard: true })
  }
})
