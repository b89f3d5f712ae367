/**
 * JetStream refusing what the gateway asks, for reasons the gateway did not set up: its
 * consumer or stream changed behind its back. The worker or operator gets an error that names
 * JetStream's answer, the replica logs and counts it, and nothing is lost or left half-changed.
 */
import { Ids } from "@tributary/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

const logs: Array<string> = []
let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2, {}, { write: (line: string) => void logs.push(line) })
})
afterAll(() => stack.close())

const metrics = async (i: number) => (await stack.call(i, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()

/** A consumer's dead-letter stream, and what JetStream holds of its two consumers (main and redrive). */
const jetStreamOf = (name: string) => {
  const records = stack.ns.streams.records
  const deadLetterStream = `${records.slice(0, -"RECORDS".length)}DLQ_${name}`
  const side = async () => {
    const [main, redrive] = await Promise.all([
      stack.nats.jsm.consumers.info(records, `consume-${name}`),
      stack.nats.jsm.consumers.info(deadLetterStream, "redrive")
    ])
    return {
      filter: main.config.filter_subject,
      ack_wait: [main.config.ack_wait, redrive.config.ack_wait],
      max_ack_pending: [main.config.max_ack_pending, redrive.config.max_ack_pending]
    }
  }
  return { records, deadLetterStream, side }
}

describe("JetStream refusals", () => {
  it("a pull ended with a status the gateway does not know is a 502 naming it, logged and counted, and loses nothing", async () => {
    const sync = Ids.SyncId.make("s_capped")
    await Harness.createConsumer(stack, { name: "capped", filters: { sync_id: sync } })
    await Harness.publishRecords(stack, [{ id: "capped_1", idx: 1, sync }])
    // An operator caps the pull batch of the gateway's JetStream consumer: JetStream now ends
    // every larger pull with `409 Exceeded MaxRequestBatch of 2`.
    await stack.nats.jsm.consumers.update(stack.ns.streams.records, "consume-capped", { max_batch: 2 })

    // Both HTTP paths: the hot route (GET) and the HttpApi (POST).
    for (const [i, method] of [[0, "GET"], [1, "POST"]] as const) {
      const refused = await stack.call(i, method, "/v1/consumers/capped/next?batch_size=10")
      expect(refused.status).toBe(502)
      const body = await refused.json() as { _tag: string; message: string; jetstream: { code: number; description: string } }
      expect(body).toMatchObject({ _tag: "JetStreamRefused", jetstream: { code: 409, description: "Exceeded MaxRequestBatch of 2" } })
      expect(body.message).toContain("capped")
      expect(await metrics(i)).toMatch(
        /^tributary_gateway_pulls_refused_total\{consumer="capped",code="409",description="Exceeded MaxRequestBatch of 2"\} 1$/m)
    }
    const logged = logs.map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["consumer"] === "capped" && String(entry["msg"]).includes("Exceeded MaxRequestBatch of 2"))
    expect(logged.length).toBe(2)
    expect(logged[0]).toMatchObject({ level: 40, jetstream_code: 409 })

    // Within the cap the record is there, untouched by the refused pulls.
    const batch = await Harness.next(stack, 0, "capped", 2)
    expect(batch.data.map((d) => d.record?.upstream_id)).toEqual(["capped_1"])
    expect((await Harness.ack(stack, 1, "capped", [batch.data[0]!.ack_token])).status).toBe(204)
  })

  it("a PATCH JetStream refuses after the bucket was written is a 409 naming why, and leaves bucket and JetStream as before", async () => {
    const sync = Ids.SyncId.make("s_narrow")
    const { state: _state, ...before } = await Harness.createConsumer(stack,
      { name: "narrow", filters: { sync_id: sync }, ack_wait_ms: 10_000, max_ack_pending: 50 })
    const { records, side: jetStreamSide } = jetStreamOf("narrow")
    const jetStreamBefore = await jetStreamSide()
    const bucket = await stack.nats.kvm.open(stack.ns.buckets.consumers)
    const revisionBefore = (await bucket.get("narrow"))!.revision

    // Someone narrows RECORDS to customers: a consumer of invoices is no longer a subset of it.
    const stream = await stack.nats.jsm.streams.info(records)
    await stack.nats.jsm.streams.update(records, { subjects: [`${stack.ns.root}.records.*.stripe_customer.*`] })
    try {
      const refused = await stack.call(1, "PATCH", "/v1/consumers/narrow",
        { filters: { collection_id: "stripe:invoice" }, ack_wait_ms: 20_000, max_ack_pending: 60 })
      expect(refused.status).toBe(409)
      const body = await refused.json() as { _tag: string; field: string; message: string }
      expect(body).toMatchObject({ _tag: "Conflict", field: "filters" })
      expect(body.message).toContain("not a valid subset")
      expect(body.message).toContain("unchanged")
      // The bucket was written first and is put back; JetStream never took any of it.
      const entry = (await bucket.get("narrow"))!
      expect(entry.revision).toBeGreaterThan(revisionBefore)
      expect(entry.json()).toEqual(before)
      for (const i of [0, 1]) expect(await stack.json(i, "GET", "/v1/consumers/narrow")).toMatchObject(before)
      expect(await jetStreamSide()).toEqual(jetStreamBefore)
    } finally {
      await stack.nats.jsm.streams.update(records, { subjects: stream.config.subjects })
    }
    // With the stream as it was, the same change goes through, to the bucket and JetStream alike.
    const changed = await stack.json(0, "PATCH", "/v1/consumers/narrow",
      { filters: { collection_id: "stripe:invoice" }, ack_wait_ms: 20_000, max_ack_pending: 60 })
    expect(changed).toMatchObject({ filters: { collection_id: "stripe:invoice", sync_id: sync }, ack_wait_ms: 20_000, max_ack_pending: 60 })
    expect(await jetStreamSide()).toEqual({
      filter: `${stack.ns.root}.records.${sync}.stripe_invoice.*`,
      ack_wait: [20_000_000_000, 20_000_000_000],
      max_ack_pending: [60, 60]
    })
  })

  it("a PATCH JetStream takes for the consumer but refuses for its redrive consumer is undone in both, and in the bucket", async () => {
    const sync = Ids.SyncId.make("s_halfway")
    const { state: _state, ...before } = await Harness.createConsumer(stack,
      { name: "halfway", filters: { sync_id: sync }, ack_wait_ms: 10_000, max_ack_pending: 50 })
    const { deadLetterStream, side } = jetStreamOf("halfway")
    const jetStreamSide = async () => {
      const { filter: _filter, ...settings } = await side()
      return settings
    }
    const jetStreamBefore = await jetStreamSide()
    const bucket = await stack.nats.kvm.open(stack.ns.buckets.consumers)
    const revisionBefore = (await bucket.get("halfway"))!.revision

    // Someone cuts the dead-letter stream down to its `dead` half: the redrive consumer's filter
    // is no longer a subset of it, so JetStream takes the change of the main consumer, then
    // refuses the same change of the redrive consumer.
    const stream = await stack.nats.jsm.streams.info(deadLetterStream)
    await stack.nats.jsm.streams.update(deadLetterStream, { subjects: [`${stack.ns.root}.dlq.halfway.dead.>`] })
    try {
      const refused = await stack.call(1, "PATCH", "/v1/consumers/halfway", { ack_wait_ms: 20_000, max_ack_pending: 60 })
      expect(refused.status).toBe(409)
      const body = await refused.json() as { _tag: string; field?: string; message: string }
      // About the redrive consumer, not a field of this PATCH (which changed no filters).
      expect(body).toMatchObject({ _tag: "Conflict", field: "config" })
      expect(body.message).toContain(`redrive on ${deadLetterStream}`)
      expect(body.message).toContain("not a valid subset")
      // What was changed and what was put back, as it happened.
      expect(body.message).toContain(`JetStream took the change for consume-halfway on ${stack.ns.streams.records}.`)
      expect(body.message).toContain(`The consumer is unchanged: the consumers bucket and consume-halfway on ${stack.ns.streams.records} ` +
        "were put back to the previous config.")
      // The bucket was written first and is put back; so is the main consumer JetStream had changed.
      const entry = (await bucket.get("halfway"))!
      expect(entry.revision).toBeGreaterThan(revisionBefore)
      expect(entry.json()).toEqual(before)
      for (const i of [0, 1]) expect(await stack.json(i, "GET", "/v1/consumers/halfway")).toMatchObject(before)
      expect(await jetStreamSide()).toEqual(jetStreamBefore)
    } finally {
      await stack.nats.jsm.streams.update(deadLetterStream, { subjects: stream.config.subjects })
    }
    expect(await stack.json(0, "PATCH", "/v1/consumers/halfway", { ack_wait_ms: 20_000, max_ack_pending: 60 }))
      .toMatchObject({ ack_wait_ms: 20_000, max_ack_pending: 60 })
    expect(await jetStreamSide()).toEqual({ ack_wait: [20_000_000_000, 20_000_000_000], max_ack_pending: [60, 60] })
  })

  it("a PATCH JetStream takes for the consumer and cannot put back says so: what was changed, what was put back, what was not", async () => {
    const sync = Ids.SyncId.make("s_stuck")
    const { state: _state, ...before } = await Harness.createConsumer(stack,
      { name: "stuck", filters: { sync_id: sync, collection_id: "stripe:customer" }, ack_wait_ms: 10_000 })
    const { records, deadLetterStream, side: jetStreamSide } = jetStreamOf("stuck")
    const bucket = await stack.nats.kvm.open(stack.ns.buckets.consumers)

    // RECORDS narrowed to invoices: the consumer's customers filter is no longer a subset, the
    // invoices filter of this PATCH is. The dead-letter stream cut to its `dead` half: the redrive
    // consumer refuses the change. So JetStream takes the change for the main consumer, refuses it
    // for the redrive consumer, and then refuses to put the main consumer back to customers.
    const recordsBefore = await stack.nats.jsm.streams.info(records)
    const deadLettersBefore = await stack.nats.jsm.streams.info(deadLetterStream)
    await stack.nats.jsm.streams.update(records, { subjects: [`${stack.ns.root}.records.*.stripe_invoice.*`] })
    await stack.nats.jsm.streams.update(deadLetterStream, { subjects: [`${stack.ns.root}.dlq.stuck.dead.>`] })
    try {
      const refused = await stack.call(0, "PATCH", "/v1/consumers/stuck",
        { filters: { collection_id: "stripe:invoice" }, ack_wait_ms: 20_000 })
      expect(refused.status).toBe(409)
      const body = await refused.json() as { _tag: string; field?: string; message: string }
      expect(body).toMatchObject({ _tag: "Conflict", field: "config" })
      expect(body.message).toContain(`redrive on ${deadLetterStream}`)
      expect(body.message).toContain(`JetStream took the change for consume-stuck on ${records}.`)
      expect(body.message).toContain("The consumers bucket was put back to the previous config; " +
        `consume-stuck on ${records} could not be put back (JetStream refused, err_code 10093: `)
      expect(body.message).toContain("keeps the change, while the consumers bucket has the previous config")
      expect(body.message).not.toContain("unchanged")
      expect(body.message).not.toContain("nothing of this change was kept")
      // As the message says: the bucket is back, the main consumer is not.
      expect((await bucket.get("stuck"))!.json()).toEqual(before)
      expect(await jetStreamSide()).toEqual({
        filter: `${stack.ns.root}.records.${sync}.stripe_invoice.*`,
        ack_wait: [20_000_000_000, 10_000_000_000],
        max_ack_pending: [10_000, 10_000]
      })
    } finally {
      await stack.nats.jsm.streams.update(records, { subjects: recordsBefore.config.subjects })
      await stack.nats.jsm.streams.update(deadLetterStream, { subjects: deadLettersBefore.config.subjects })
    }
    // With the streams as they were, a PATCH brings both JetStream consumers to the bucket's config, as the message said.
    expect(await stack.json(1, "PATCH", "/v1/consumers/stuck", { ack_wait_ms: 10_000 })).toMatchObject(before)
    expect(await jetStreamSide()).toEqual({
      filter: `${stack.ns.root}.records.${sync}.stripe_customer.*`,
      ack_wait: [10_000_000_000, 10_000_000_000],
      max_ack_pending: [10_000, 10_000]
    })
  })

  it("a PATCH both JetStream consumers refuse is tried on both, names both refusals, and leaves bucket and JetStream as before", async () => {
    const sync = Ids.SyncId.make("s_both")
    const { state: _state, ...before } = await Harness.createConsumer(stack,
      { name: "both", filters: { sync_id: sync }, ack_wait_ms: 10_000, max_ack_pending: 50 })
    const { records, deadLetterStream, side: jetStreamSide } = jetStreamOf("both")
    const jetStreamBefore = await jetStreamSide()
    const bucket = await stack.nats.kvm.open(stack.ns.buckets.consumers)

    // RECORDS narrowed to customers (the invoices filter is refused) and the dead-letter stream cut
    // to its `dead` half (any change of the redrive consumer is refused): both refuse this PATCH.
    const recordsBefore = await stack.nats.jsm.streams.info(records)
    const deadLettersBefore = await stack.nats.jsm.streams.info(deadLetterStream)
    await stack.nats.jsm.streams.update(records, { subjects: [`${stack.ns.root}.records.*.stripe_customer.*`] })
    await stack.nats.jsm.streams.update(deadLetterStream, { subjects: [`${stack.ns.root}.dlq.both.dead.>`] })
    try {
      const refused = await stack.call(0, "PATCH", "/v1/consumers/both",
        { filters: { collection_id: "stripe:invoice" }, ack_wait_ms: 20_000 })
      expect(refused.status).toBe(409)
      const body = await refused.json() as { _tag: string; field?: string; message: string }
      expect(body).toMatchObject({ _tag: "Conflict", field: "filters" })
      // Both JetStream consumers were asked, and the answer names each refusal.
      expect(body.message).toContain(`consume-both on ${records}`)
      expect(body.message).toContain(`redrive on ${deadLetterStream}`)
      expect(body.message).toContain("No JetStream consumer took the change. The consumer is unchanged: " +
        "the consumers bucket was put back to the previous config.")
      expect((await bucket.get("both"))!.json()).toEqual(before)
      expect(await jetStreamSide()).toEqual(jetStreamBefore)
    } finally {
      await stack.nats.jsm.streams.update(records, { subjects: recordsBefore.config.subjects })
      await stack.nats.jsm.streams.update(deadLetterStream, { subjects: deadLettersBefore.config.subjects })
    }
  })
})
