/**
 * On a JetStream cluster the operator provisions R3 (`tributary provision --replicas 3`, the
 * Helm chart's hook); every service then starts and provisions what it uses. Those starts must
 * keep the operator's count, and what they create later (a consumer's dead-letter stream, a
 * stream that was removed) must get it too.
 */
import { ApiTokens, DeadLetters, Log, Nats, Provisioning } from "@tributary/core"
import type { Namespace } from "@tributary/core"
import { Fixtures, NatsServer } from "@tributary/testkit"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Gateway from "../gateway/Harness.js"
import * as SinkHarness from "../sink/Harness.js"

let cluster: NatsServer.Cluster

beforeAll(async () => {
  cluster = await NatsServer.startCluster("replicas")
}, 60_000)
afterAll(() => cluster?.dispose())

const inNamespace = <A, E>(ns: Namespace.Namespace, effect: Effect.Effect<A, E, Nats.Nats>) =>
  Effect.runPromise(Effect.scoped(effect.pipe(
    Effect.provide(Layer.merge(Nats.layer(Fixtures.natsSettings(ns, cluster.url), "test"), Log.layer("test", "warn")))
  )))

const limits = (replicas?: number): Provisioning.Limits => ({
  ...Provisioning.defaultLimits,
  eventsMaxBytes: 16 * 1024 ** 2,
  replicas
})

/** Every stream of the namespace (buckets and dead letters included) with its replica count. */
const replicaCounts = (ns: Namespace.Namespace) =>
  inNamespace(ns, Effect.flatMap(Nats.Nats, ({ jsm }) =>
    Effect.promise(async () => {
      const counts: Record<string, number> = {}
      const prefix = ns.streams.records.replace(/RECORDS$/, "")
      for await (const info of jsm.streams.list()) {
        const name = info.config.name
        if (name.startsWith(`KV_${ns.root}_`) || name.startsWith(prefix)) counts[name] = info.config.num_replicas
      }
      return counts
    })))

/** Provision R3 as the operator does, once JetStream's cluster has elected its leader. */
const provisionR3 = async (ns: Namespace.Namespace) => {
  await Fixtures.waitFor("the cluster's JetStream to take a replicated stream", () =>
    inNamespace(ns, Provisioning.ensure(limits(3))).then(() => true), { timeoutMs: 45_000, intervalMs: 250 })
}

describe("provisioning on a 3-server JetStream cluster", () => {
  it("a service starting after `provision --replicas 3` keeps every stream and bucket at 3", async () => {
    const ns = Fixtures.namespace()
    await provisionR3(ns)
    const outcomes = await inNamespace(ns, Provisioning.ensure(limits()))
    expect(outcomes.map((o) => `${o.resource} ${o.action}`)).toStrictEqual(outcomes.map((o) => `${o.resource} unchanged`))
    const counts = await replicaCounts(ns)
    expect(Object.keys(counts).length).toBe(9)
    expect(Object.values(counts).every((n) => n === 3)).toBe(true)
  }, 90_000)

  it("what is created later follows RECORDS' count; only an explicit count changes it", async () => {
    const ns = Fixtures.namespace()
    await provisionR3(ns)
    await inNamespace(ns, Effect.gen(function*() {
      const { jsm } = yield* Nats.Nats
      yield* Effect.promise(() => jsm.streams.delete(ns.streams.events))
      yield* Effect.promise(() => jsm.streams.delete(`KV_${ns.buckets.tokens}`))
    }))
    const outcomes = await inNamespace(ns, Provisioning.ensure(limits()))
    expect(outcomes.filter((o) => o.action === "created").map((o) => o.resource).sort())
      .toStrictEqual([ns.streams.events, `KV_${ns.buckets.tokens}`].sort())
    expect((await replicaCounts(ns))[ns.streams.events]).toBe(3)
    expect((await replicaCounts(ns))[`KV_${ns.buckets.tokens}`]).toBe(3)

    const scaledDown = await inNamespace(ns, Provisioning.ensure(limits(1)))
    expect(scaledDown.every((o) => o.action === "repaired")).toBe(true)
    expect(Object.values(await replicaCounts(ns)).every((n) => n === 1)).toBe(true)
  }, 90_000)

  it("the gateway's start and a consumer's dead-letter stream keep R3", async () => {
    const ns = Fixtures.namespace()
    await provisionR3(ns)
    const replica = await Gateway.startReplica(ns, "gateway-r3", {}, undefined, cluster.url)
    try {
      const { token } = await inNamespace(ns, ApiTokens.create("test"))
      const created = await fetch(`${replica.url}/v1/consumers`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "r3", source: "records", filters: { collection_id: "*", sync_id: "*" } })
      })
      expect(created.status).toBe(201)
      const counts = await replicaCounts(ns)
      const deadLetters = Object.keys(counts).filter((name) => name.endsWith("DLQ_r3"))
      expect(deadLetters.length).toBe(1)
      expect(Object.values(counts).every((n) => n === 3)).toBe(true)
    } finally {
      await replica.close()
    }
  }, 90_000)

  it("the sink's start keeps R3 and makes the dead-letter stream with it", async () => {
    const ns = Fixtures.namespace()
    await provisionR3(ns)
    // The harness removes the namespace's streams when its scope closes: count before that.
    const counts = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const env = yield* SinkHarness.env({ natsUrl: cluster.url, ns })
      const sink = yield* SinkHarness.replica(env)
      yield* Fixtures.eventually("the sink to be ready",
        Effect.map(sink.readiness.get, (state) => state.ready ? true : undefined), { timeoutMs: 30_000 })
      return yield* Effect.promise(() => replicaCounts(ns))
    })))
    expect(counts[DeadLetters.streamName(ns)]).toBe(3)
    expect(Object.values(counts).every((n) => n === 3)).toBe(true)
  }, 90_000)
})
