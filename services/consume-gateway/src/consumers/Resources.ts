/**
 * The JetStream resources behind one consume-API consumer, all named from the namespace and
 * the consumer's name so that every replica derives the same names:
 *
 *   durable pull consumer  `consume-<name>` on RECORDS or EVENTS
 *   dead-letter stream     `<PREFIX>DLQ_<name>`, subjects `<root>.dlq.<name>.{dead,redrive}.>`
 *     (not under `<root>.deadletters.>`: that belongs to the namespace-wide stream of the sink)
 *     with a durable `redrive` consumer over the `redrive` half (work-queue retention)
 *   KV keys in `inflight`  `<name>.l.<record>` (leases), `<name>.s.<batch>` (settlements)
 */
import type { ConsumerConfig, Namespace } from "@tributary/core"

export interface Resources {
  readonly name: string
  readonly kind: ConsumerConfig.ConsumerSource
  readonly stream: string
  readonly durable: string
  readonly deadLetterStream: string
  readonly deadSubjects: string
  readonly redriveSubjects: string
  readonly redriveDurable: string
  /** `<root>.dlq.<name>.dead.` + the original subject's sync, collection and record tokens. */
  readonly deadSubjectFor: (subject: string) => string
  readonly redriveSubjectFor: (deadSubject: string) => string
  readonly leaseKey: (record: string) => string
  readonly settlementKey: (batch: string) => string
  /** Every KV key of this consumer, for purging when it is deleted. */
  readonly kvSubjects: (bucket: string) => string
}

export const DURABLE_PREFIX = "consume-"
export const REDRIVE_DURABLE = "redrive"

const streamPrefix = (ns: Namespace.Namespace): string => ns.streams.records.slice(0, -"RECORDS".length)

/** The last three tokens (`<sync>.<collection>.<record>`) of a record or event subject. */
const recordPath = (subject: string): string => subject.split(".").slice(-3).join(".")

export const of = (ns: Namespace.Namespace, name: string, kind: ConsumerConfig.ConsumerSource): Resources => {
  const dlqRoot = `${ns.root}.dlq.${name}`
  return {
    name,
    kind,
    stream: kind === "records" ? ns.streams.records : ns.streams.events,
    durable: `${DURABLE_PREFIX}${name}`,
    deadLetterStream: `${streamPrefix(ns)}DLQ_${name}`,
    deadSubjects: `${dlqRoot}.dead.>`,
    redriveSubjects: `${dlqRoot}.redrive.>`,
    redriveDurable: REDRIVE_DURABLE,
    deadSubjectFor: (subject) => `${dlqRoot}.dead.${recordPath(subject)}`,
    redriveSubjectFor: (deadSubject) => `${dlqRoot}.redrive.${recordPath(deadSubject)}`,
    leaseKey: (record) => `${name}.l.${record}`,
    settlementKey: (batch) => `${name}.s.${batch}`,
    kvSubjects: (bucket) => `$KV.${bucket}.${name}.>`
  }
}
