/**
 * Reading what a sync published: the last message of every subject of the sync in
 * `RECORDS`, decoded, by collection and upstream id.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/transport-node"
import type { Namespace } from "@tributary/core"

export interface Published {
  readonly id: string
  readonly upstream_id: string
  readonly collection_id: string
  readonly sync: { readonly id: string; readonly external_id: string | null; readonly metadata: Record<string, unknown> }
  readonly deleted: boolean
  readonly updated_idx: number
  readonly upstream_updated_at: string | null
  readonly data: Record<string, unknown>
}

/** collection → upstream id → record, and the number of messages (one per subject). */
export const read = async (nc: NatsConnection, ns: Namespace.Namespace, sync: string) => {
  const jsm = await jetstreamManager(nc)
  const js = jetstream(nc)
  const info = await jsm.consumers.add(ns.streams.records, {
    filter_subject: `${ns.root}.records.${sync}.>`,
    deliver_policy: DeliverPolicy.LastPerSubject,
    ack_policy: AckPolicy.None,
    inactive_threshold: 30_000_000_000
  })
  const byCollection = new Map<string, Map<string, Published>>()
  let messages = 0
  try {
    let remaining = info.num_pending
    const consumer = js.consumers.getConsumerFromInfo(info)
    while (remaining > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(remaining, 5000), expires: 5000 })
      for await (const message of batch) {
        remaining--
        messages++
        const record = message.json<Published>()
        const collection = byCollection.get(record.collection_id) ?? new Map<string, Published>()
        byCollection.set(record.collection_id, collection)
        collection.set(record.upstream_id, record)
      }
    }
  } finally {
    await jsm.consumers.delete(ns.streams.records, info.name).catch(() => undefined)
  }
  return { byCollection, messages }
}

/** Count messages on a subject filter (e.g. one sync's events). */
export const count = async (nc: NatsConnection, stream: string, subject: string): Promise<number> => {
  const jsm = await jetstreamManager(nc)
  const info = await jsm.streams.info(stream, { subjects_filter: subject })
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0)
}

/** Every change of a sync on EVENTS, as the `updated_idx` values of each record in stream order. */
export const changes = async (nc: NatsConnection, ns: Namespace.Namespace, sync: string) => {
  const jsm = await jetstreamManager(nc)
  const js = jetstream(nc)
  const info = await jsm.consumers.add(ns.streams.events, {
    filter_subject: `${ns.root}.events.${sync}.>`,
    deliver_policy: DeliverPolicy.All,
    ack_policy: AckPolicy.None,
    inactive_threshold: 30_000_000_000
  })
  const byRecord = new Map<string, Array<number>>()
  try {
    let remaining = info.num_pending
    const consumer = js.consumers.getConsumerFromInfo(info)
    while (remaining > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(remaining, 5000), expires: 5000 })
      for await (const message of batch) {
        remaining--
        const change = message.json<{ record_id: string; updated_idx: number }>()
        const list = byRecord.get(change.record_id) ?? []
        byRecord.set(change.record_id, list)
        list.push(change.updated_idx)
      }
    }
  } finally {
    await jsm.consumers.delete(ns.streams.events, info.name).catch(() => undefined)
  }
  return byRecord
}

/** A sync's milestones in SYNC_LOG, oldest first, as logged. */
export const milestoneEntries = async (
  nc: NatsConnection,
  ns: Namespace.Namespace,
  sync: string
): Promise<Array<{ readonly _tag: string } & Record<string, unknown>>> => {
  const jsm = await jetstreamManager(nc)
  const js = jetstream(nc)
  const info = await jsm.consumers.add(ns.streams.syncLog, {
    filter_subject: `${ns.root}.synclog.${sync}`,
    deliver_policy: DeliverPolicy.All,
    ack_policy: AckPolicy.None,
    inactive_threshold: 30_000_000_000
  })
  const entries: Array<{ readonly _tag: string } & Record<string, unknown>> = []
  try {
    let remaining = info.num_pending
    const consumer = js.consumers.getConsumerFromInfo(info)
    while (remaining > 0) {
      const batch = await consumer.fetch({ max_messages: remaining, expires: 5000 })
      for await (const message of batch) {
        remaining--
        entries.push(message.json<{ readonly _tag: string } & Record<string, unknown>>())
      }
    }
  } finally {
    await jsm.consumers.delete(ns.streams.syncLog, info.name).catch(() => undefined)
  }
  return entries
}

/** The `_tag`s of a sync's milestones in SYNC_LOG, oldest first. */
export const milestones = async (nc: NatsConnection, ns: Namespace.Namespace, sync: string): Promise<Array<string>> =>
  (await milestoneEntries(nc, ns, sync)).map((entry) => entry._tag)

/** The row counts of the sync's last `backfill_complete`, by collection. */
export const lastRowCounts = async (nc: NatsConnection, ns: Namespace.Namespace, sync: string): Promise<Record<string, number> | undefined> => {
  const complete = (await milestoneEntries(nc, ns, sync)).filter((entry) => entry._tag === "backfill_complete").at(-1)
  return complete?.row_counts as Record<string, number> | undefined
}
