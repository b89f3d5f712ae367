/**
 * The `SYNC_LOG` stream: append a milestone, read a sync's milestones back at start.
 */
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream"
import type { Ids } from "@tributary/core"
import { Nats } from "@tributary/core"
import { Effect, Schema } from "effect"
import { Milestone } from "./Milestones.js"

export const subject = (root: string, sync: Ids.SyncId): string => `${root}.synclog.${sync}`

const encode = Schema.encodeSync(Schema.parseJson(Milestone))
const decode = Schema.decodeUnknownOption(Schema.parseJson(Milestone))

export const append = (sync: Ids.SyncId, milestone: Milestone) =>
  Effect.gen(function*() {
    const client = yield* Nats.Nats
    const { js, ns } = client
    yield* Nats.request(client, `append ${milestone._tag} to the sync log`, () => js.publish(subject(ns.root, sync), encode(milestone)))
    yield* Effect.logInfo(`sync log: ${milestone._tag}`).pipe(Effect.annotateLogs({ milestone }))
  })

/** Every milestone of the sync, oldest first. Unreadable entries are skipped. */
export const read = (sync: Ids.SyncId) =>
  Effect.gen(function*() {
    const client = yield* Nats.Nats
    const { js, jsm, ns } = client
    const stream = ns.streams.syncLog
    const info = yield* Nats.request(client, "open the sync log", () =>
      jsm.consumers.add(stream, {
        filter_subject: subject(ns.root, sync),
        deliver_policy: DeliverPolicy.All,
        ack_policy: AckPolicy.None,
        inactive_threshold: 30_000_000_000
      }))
    const milestones: Array<Milestone> = []
    yield* Nats.request(client, "read the sync log", async () => {
      try {
        let remaining = info.num_pending
        const consumer = js.consumers.getConsumerFromInfo(info)
        while (remaining > 0) {
          const batch = await consumer.fetch({ max_messages: Math.min(remaining, 1000), expires: 5000 })
          for await (const message of batch) {
            remaining--
            const decoded = decode(message.string())
            if (decoded._tag === "Some") milestones.push(decoded.value)
          }
        }
      } finally {
        await jsm.consumers.delete(stream, info.name).catch(() => undefined)
      }
    })
    return milestones
  })
