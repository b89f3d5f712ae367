/**
 * The consumers bucket is the source of truth. A PATCH that NATS cut short can leave a
 * consumer's JetStream consumers with other values than the bucket (JetStream changed, and the
 * bucket put back, or the undoing of JetStream lost): a replica brings them back to the bucket
 * when its NATS connection comes back, and any replica does when it starts. Here JetStream is
 * put where such a PATCH leaves it by hand, and the real connection of a replica is cut.
 */
import { nanos } from "@nats-io/transport-node"
import { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2)
})
afterAll(() => stack.close())

const deadLetterStream = (name: string) => `${stack.ns.streams.records.slice(0, -"RECORDS".length)}DLQ_${name}`

const jetStreamSide = async (name: string) => {
  const [main, redrive] = await Promise.all([
    stack.nats.jsm.consumers.info(stack.ns.streams.records, `consume-${name}`),
    stack.nats.jsm.consumers.info(deadLetterStream(name), "redrive")
  ])
  return {
    filter: main.config.filter_subject,
    ack_wait: [main.config.ack_wait, redrive.config.ack_wait],
    max_ack_pending: [main.config.max_ack_pending, redrive.config.max_ack_pending],
    // Not the gateway's: an operator's setting, which reconciling leaves alone.
    max_batch: main.config.max_batch
  }
}

/** A consumer, and JetStream as a PATCH to invoices, 45 s and 7 leaves it when NATS cuts the undoing short. */
const consumerLeftApart = async (name: string) => {
  const sync = Ids.SyncId.make(`s_${name}`)
  await Harness.createConsumer(stack, { name, filters: { sync_id: sync }, ack_wait_ms: 10_000, max_ack_pending: 50 })
  await stack.nats.jsm.consumers.update(stack.ns.streams.records, `consume-${name}`, { max_batch: 5 })
  const asConfigured = await jetStreamSide(name)
  expect(asConfigured).toEqual({
    filter: `${stack.ns.root}.records.${sync}.*.*`,
    ack_wait: [10_000_000_000, 10_000_000_000],
    max_ack_pending: [50, 50],
    max_batch: 5
  })
  await stack.nats.jsm.consumers.update(stack.ns.streams.records, `consume-${name}`,
    { filter_subject: `${stack.ns.root}.records.${sync}.stripe_invoice.*`, ack_wait: nanos(45_000), max_ack_pending: 7 })
  await stack.nats.jsm.consumers.update(deadLetterStream(name), "redrive", { ack_wait: nanos(45_000), max_ack_pending: 7 })
  expect(await jetStreamSide(name)).not.toEqual(asConfigured)
  const bucket = await stack.nats.kvm.open(stack.ns.buckets.consumers)
  return { asConfigured, revision: (await bucket.get(name))!.revision, bucket }
}

const backToTheBucket = (name: string, asConfigured: Awaited<ReturnType<typeof jetStreamSide>>) =>
  Fixtures.waitFor(`JetStream consumers of ${name} back to the bucket's config`, async () => {
    const now = await jetStreamSide(name)
    return JSON.stringify(now) === JSON.stringify(asConfigured) ? now : undefined
  })

describe("reconciling JetStream with the consumers bucket", () => {
  it("a replica whose NATS connection comes back gives JetStream the bucket's config", async () => {
    const { asConfigured, revision, bucket } = await consumerLeftApart("cut_short")
    await stack.replicas[1]!.nats.nc.reconnect()
    await backToTheBucket("cut_short", asConfigured)
    // The bucket was only read.
    expect((await bucket.get("cut_short"))!.revision).toBe(revision)
    // And the consumer serves as configured, through the replica that reconnected.
    expect(await stack.json(1, "GET", "/v1/consumers/cut_short")).toMatchObject({ ack_wait_ms: 10_000, max_ack_pending: 50 })
  })

  it("a replica that starts gives JetStream the bucket's config", async () => {
    const { asConfigured, revision, bucket } = await consumerLeftApart("stopped_midway")
    const late = await Harness.startReplica(stack.ns, "gateway-late")
    try {
      await backToTheBucket("stopped_midway", asConfigured)
      expect((await bucket.get("stopped_midway"))!.revision).toBe(revision)
    } finally {
      await late.close()
    }
  })
})
