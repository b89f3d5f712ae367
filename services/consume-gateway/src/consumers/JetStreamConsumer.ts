/**
 * How a consume-API consumer maps onto its JetStream durable pull consumer, and which changes
 * a live one accepts. nats-server 2.9 refuses to change `deliver_policy`, `ack_policy` and
 * `max_waiting` on an existing consumer (err 10012); `filter_subject`, `ack_wait`,
 * `max_ack_pending` and `max_deliver` can change. JetStream's own `max_deliver` stays
 * unlimited: withholding a newer version NAKs it, which JetStream counts as a delivery, so
 * the gateway counts attempts itself (see `delivery/Claims.ts`).
 */
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream"
import type { ConsumerConfig as JsConsumerConfig } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { Subjects } from "@tributary/core"
import type { ConsumerConfig, Namespace } from "@tributary/core"
import type { Resources } from "./Resources.js"

/** Pull requests JetStream keeps waiting per consumer (all replicas together). */
export const MAX_WAITING = 512

const deliverPolicies: Record<ConsumerConfig.DeliverPolicy, DeliverPolicy> = {
  all: DeliverPolicy.All,
  new: DeliverPolicy.New,
  last_per_subject: DeliverPolicy.LastPerSubject
}

export const filterSubject = (ns: Namespace.Namespace, config: ConsumerConfig.ConsumerConfig): string =>
  Subjects.filter(ns, config.source, config.filters)

export const configFor = (
  ns: Namespace.Namespace,
  resources: Resources,
  config: ConsumerConfig.ConsumerConfig
): Partial<JsConsumerConfig> => ({
  durable_name: resources.durable,
  description: `Tributary consume API consumer ${config.name}`,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: deliverPolicies[config.deliver_policy],
  ack_wait: nanos(config.ack_wait_ms),
  max_deliver: -1,
  max_ack_pending: config.max_ack_pending,
  max_waiting: MAX_WAITING,
  filter_subject: filterSubject(ns, config)
})

/** The part of the JetStream config that a live consumer accepts changes to. */
export const mutableConfigFor = (ns: Namespace.Namespace, config: ConsumerConfig.ConsumerConfig) => ({
  ack_wait: nanos(config.ack_wait_ms),
  max_ack_pending: config.max_ack_pending,
  filter_subject: filterSubject(ns, config)
})

/** The same for the redrive consumer of the dead-letter stream, whose filter is the gateway's own. */
export const redriveMutableConfigFor = (config: ConsumerConfig.ConsumerConfig) => ({
  ack_wait: nanos(config.ack_wait_ms),
  max_ack_pending: config.max_ack_pending
})

/** JetStream's `err_code` for a filter subject that is not a subset of the stream's subjects. */
const FILTER_NOT_SUBSET = 10093

/** The field of a consumer config that JetStream's refusal `code` is about, or `config` when the code does not say. */
export const fieldRefused = (code: number): string => code === FILTER_NOT_SUBSET ? "filters" : "config"

/** Why a field cannot change on a live consumer, or `undefined` when it can. */
export const immutable: Partial<Record<keyof ConsumerConfig.ConsumerConfig, string>> = {
  name: "it names the JetStream consumer and every ack token issued for it; create a new consumer instead",
  source: "a JetStream consumer belongs to one stream (RECORDS or EVENTS); create a new consumer for the other stream",
  deliver_policy: "nats-server 2.9 cannot change the deliver policy of an existing JetStream consumer " +
    "(it decides where the consumer started); delete the consumer and create it again with the new policy, " +
    "or create a second consumer"
}
