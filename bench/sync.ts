/**
 * `npm run bench:sync`: how fast the sync service fills JetStream, and how close it stays
 * to its budget and to real time. The Stripe emulator runs in a process of its own and a
 * private nats-server in another; the sync replica runs in this process. Prints one JSON
 * object:
 *
 * - `records_per_s`: a backfill of a ~100k-object account (emulator rate limit off), from the
 *   `backfill_started` to the `backfill_complete` milestone;
 * - `raw_publish_per_s`: the same records (bodies and headers) published straight to RECORDS with
 *   nats.js, in the same run; `ratio` = records_per_s / raw_publish_per_s (goal ≥ 0.7). The sync
 *   writes two messages per record (RECORDS and EVENTS), so `message_ratio` compares messages;
 * - what explains `ratio`, not part of the goal: `raw_two_message_records_per_s`, both messages
 *   of every record published the same way (records per second), and `lean_raw_publish_per_s` /
 *   `lean_raw_two_message_records_per_s`, the same with the leanest nats.js client (core
 *   publishes, one ack inbox), which tells JetStream's own pace; `cpu_s`, CPU seconds of this
 *   process (the sync, and the raw publishers), the emulator and nats-server in each phase;
 * - `budget_utilisation`: requests made per second over a 100 req/s budget, with the
 *   emulator limiting the account to 100 req/s too (goal ≥ 0.95), and `failed_requests`;
 * - `lag_ms_p50` / `lag_ms_p99`: from a customer update through the API to its new version
 *   arriving on RECORDS, at the default 500 ms poll (goal p99 < 1 s).
 *
 * `BENCH_CUSTOMERS` (default 7,700 ≈ 100k objects), `BENCH_BUDGET_SECONDS` (15) and
 * `BENCH_MUTATIONS` (60) scale it down for a quick run.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DeliverPolicy, jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/transport-node"
import { Log, Nats, Namespace, Provisioning, Secrets, SyncStore } from "@tributary/core"
import type { Ids } from "@tributary/core"
import { Service, Settings } from "@tributary/sync"
import { NatsServer, Ports } from "@tributary/testkit/servers"
import { Effect, Exit, Fiber, Layer, Option, Redacted, Scope } from "effect"
import Stripe from "stripe"
import * as Cpu from "./sync/Cpu.js"
import * as Emulator from "./sync/Emulator.js"
import * as Raw from "./sync/Raw.js"

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 7_700)
const BUDGET_SECONDS = Number(process.env.BENCH_BUDGET_SECONDS ?? 15)
const MUTATIONS = Number(process.env.BENCH_MUTATIONS ?? 60)
const BUDGET = 100
// The replica in this process reads its metrics token from the environment, as a service does.
const METRICS_TOKEN = "bench-sync-metrics-token"
process.env.TRIBUTARY_METRICS_TOKEN = METRICS_TOKEN

const say = (message: string) => process.stderr.write(`bench:sync: ${message}\n`)

const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

const until = async <A>(what: string, probe: () => Promise<A | undefined>, timeoutMs: number): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** `tributary_sync_upstream_requests_total` of one sync, by outcome, from `/metrics`. */
const requestsOf = async (url: string, sync: string): Promise<Record<string, number>> => {
  const text = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((r) => r.text())
  const out: Record<string, number> = {}
  for (const line of text.split("\n")) {
    const match = /^tributary_sync_upstream_requests_total\{sync="([^"]+)",outcome="([^"]+)"\} (\d+)/.exec(line)
    if (match !== null && match[1] === sync) out[match[2]!] = Number(match[3])
  }
  return out
}

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), "tributary-bench-sync-"))
  const nats = await NatsServer.start({ dir })
  say(`seeding ${CUSTOMERS} customers in the emulator`)
  const emulator = await Emulator.start(CUSTOMERS)
  const objects = Object.values(emulator.started.seeded[0]?.counts ?? {}).reduce((a, b) => a + b, 0)
  const apiKey = emulator.started.api_keys[0] ?? ""
  const admin = (path: string, body: unknown) =>
    fetch(`${emulator.started.url}/_emulator/${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify(body)
    })
  const ns = Namespace.make("bench")
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(Layer.mergeAll(
    Nats.layer({ url: nats.url, user: Option.none(), password: Option.none(), token: Option.none(), namespace: ns.root }),
    Secrets.layer(Redacted.make("bench-secret-key-0123456789abcdefghij"))
  ), scope))
  const run = <A, E>(effect: Effect.Effect<A, E, Nats.Nats | Secrets.SecretKeys>) =>
    Effect.runPromise(effect.pipe(Effect.provide(context), Effect.provide(Log.layer("bench", "warn", process.stderr))))
  await run(Provisioning.ensure())
  const port = await Ports.freePort()
  const replica = Effect.runFork(
    Layer.launch(Service.layerWith({ ...Settings.defaults("bench"), httpPort: port })).pipe(
      Effect.provide(context),
      // stdout is the result alone: the service's log goes to stderr.
      Effect.provide(Log.layer("sync", (process.env.BENCH_LOG_LEVEL ?? "warn") as "warn", process.stderr))
    )
  )
  const replicaUrl = `http://127.0.0.1:${port}`
  const nc = await connect({ servers: nats.url })
  const status = (id: Ids.SyncId) => run(SyncStore.status(id)).then(Option.getOrUndefined)
  const phaseIs = (id: Ids.SyncId, phases: ReadonlyArray<string>) => async () => {
    const s = await status(id)
    return s !== undefined && phases.includes(s.phase) ? s : undefined
  }
  try {
    // 1. Backfill of the whole account, no upstream limit.
    say(`backfilling ${objects} objects`)
    const pids = Cpu.processes()
    const cpuBeforeBackfill = Cpu.sample(pids)
    const backfill = await run(SyncStore.create({
      id: "backfill" as Ids.SyncId,
      source: "stripe",
      api_key: apiKey,
      api_base_url: emulator.started.url,
      rate_budget: { quota_per_second: 100_000, share: 1 }
    }))
    await until("the backfill", phaseIs(backfill.id, ["catching_up", "live"]), 1_800_000)
    const backfillCpu = Cpu.between(cpuBeforeBackfill, Cpu.sample(pids))
    const milestones = await readMilestones(nc, ns, backfill.id)
    const started = milestones.find((m) => m._tag === "backfill_started")
    const complete = milestones.find((m) => m._tag === "backfill_complete")
    const records = Object.values(complete?.row_counts ?? {}).reduce((a, b) => a + b, 0)
    const seconds = (Date.parse(complete?.at ?? "") - Date.parse(started?.at ?? "")) / 1000
    const recordsPerS = records / seconds
    say(`backfill: ${records} records in ${seconds.toFixed(1)} s`)

    // 2. The same records straight to RECORDS (the yardstick), and what explains the ratio.
    // Only figures come back: the copies of the messages are garbage before the next phases.
    const raw = await rawFigures(nc, ns, backfill.id, pids)
    const rawPerS = raw.single.perS

    // 3. Budget: the account allows 100 req/s and so does the sync; how much of it is used?
    await run(SyncStore.setState(backfill.id, "paused"))
    await until("the first sync to pause", phaseIs(backfill.id, ["paused"]), 30_000)
    await admin("rate_limit", { perSecond: BUDGET })
    const budgeted = await run(SyncStore.create({
      id: "budget" as Ids.SyncId,
      source: "stripe",
      api_key: apiKey,
      api_base_url: emulator.started.url,
      rate_budget: { quota_per_second: BUDGET, share: 1 }
    }))
    await until("the budgeted backfill", phaseIs(budgeted.id, ["backfilling"]), 30_000)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const before = await requestsOf(replicaUrl, budgeted.id)
    const t0 = performance.now()
    await new Promise((resolve) => setTimeout(resolve, BUDGET_SECONDS * 1000))
    const after = await requestsOf(replicaUrl, budgeted.id)
    const window = (performance.now() - t0) / 1000
    const delta = (outcome: string) => (after[outcome] ?? 0) - (before[outcome] ?? 0)
    const made = delta("ok") + delta("rate_limited") + delta("unavailable") + delta("refused")
    const utilisation = made / (BUDGET * window)
    const failed = delta("rate_limited") + delta("unavailable") + delta("refused")
    say(`budget: ${made} requests in ${window.toFixed(1)} s, ${failed} failed`)
    await run(SyncStore.remove(budgeted.id))
    await admin("rate_limit", { perSecond: 0 })

    // 4. Lag: a customer update through the API until its new version is on RECORDS.
    await run(SyncStore.setState(backfill.id, "active"))
    await until("the first sync to be live again", phaseIs(backfill.id, ["live"]), 120_000)
    const url = new URL(emulator.started.url)
    const stripe = new Stripe(apiKey, { host: url.hostname, port: url.port, protocol: "http", telemetry: false })
    const customers = (await stripe.customers.list({ limit: 100 })).data.map((c) => c.id)
    const lags: Array<number> = []
    const sent = new Map<string, number>()
    const subscription = nc.subscribe(`${ns.root}.records.${backfill.id}.stripe_customer.>`)
    void (async () => {
      for await (const message of subscription) {
        const body = message.json<{ data: { metadata?: Record<string, string> } }>()
        const marker = body.data.metadata?.bench_marker
        const at = marker === undefined ? undefined : sent.get(marker)
        if (marker !== undefined && at !== undefined) {
          lags.push(performance.now() - at)
          sent.delete(marker)
        }
      }
    })()
    for (let i = 0; i < MUTATIONS; i++) {
      const marker = `m${i}`
      const customer = customers[i % customers.length]!
      sent.set(marker, performance.now())
      await stripe.customers.update(customer, { metadata: { bench_marker: marker } })
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 100))
    }
    await until("every update on RECORDS", async () => (sent.size === 0 ? true : undefined), 30_000)
    subscription.unsubscribe()

    process.stdout.write(`${JSON.stringify({
      objects,
      records,
      backfill_seconds: Number(seconds.toFixed(2)),
      records_per_s: Math.round(recordsPerS),
      raw_publish_per_s: Math.round(rawPerS),
      ratio: Number((recordsPerS / rawPerS).toFixed(3)),
      // Each record is two JetStream messages (RECORDS and its change on EVENTS); raw is one.
      messages_per_s: Math.round(2 * recordsPerS),
      message_ratio: Number(((2 * recordsPerS) / rawPerS).toFixed(3)),
      // Not the goal's baseline, what explains it: both messages of every record published
      // raw (as records per second), and the leanest nats.js client (core publish, one ack
      // inbox) for one and for both messages.
      raw_two_message_records_per_s: Math.round(raw.pairs.perS / 2),
      ratio_to_two_message_raw: Number((recordsPerS / (raw.pairs.perS / 2)).toFixed(3)),
      lean_raw_publish_per_s: Math.round(raw.lean.perS),
      lean_raw_two_message_records_per_s: Math.round(raw.leanPairs.perS / 2),
      // CPU seconds per process (this one runs the sync and the raw publishers).
      cpu_s: {
        backfill: backfillCpu,
        raw_publish: raw.single.cpu,
        raw_two_message_publish: raw.pairs.cpu,
        lean_raw_publish: raw.lean.cpu,
        lean_raw_two_message_publish: raw.leanPairs.cpu
      },
      budget_req_per_s: BUDGET,
      budget_utilisation: Number(utilisation.toFixed(3)),
      failed_requests: failed,
      poll_interval_ms: 500,
      lag_ms_p50: Math.round(percentile(lags, 50)),
      lag_ms_p99: Math.round(percentile(lags, 99)),
      lag_samples: lags.length
    }, null, 2)}\n`)
  } finally {
    await nc.close()
    await Effect.runPromise(Fiber.interrupt(replica))
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await emulator.stop()
    await nats.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The raw publishes: the same records straight to RECORDS (the yardstick), then, to explain
 * the ratio, both messages of every record (RECORDS and EVENTS, each record's pair in
 * turn), and both ways again with the leanest nats.js client, to tell JetStream's own pace
 * from the client's. Messages per second and CPU seconds of each.
 */
const rawFigures = async (nc: NatsConnection, ns: Namespace.Namespace, sync: string, pids: Readonly<Record<string, number>>) => {
  const timed = async (what: string, run: () => Promise<number>) => {
    const before = Cpu.sample(pids)
    const perS = await run()
    say(`${what}: ${Math.round(perS)} messages/s`)
    return { perS, cpu: Cpu.between(before, Cpu.sample(pids)) }
  }
  const messages = (await Raw.read(nc, ns.streams.records, `${ns.root}.records.${sync}.>`))
    .map((m) => Raw.renamed(m, sync, "raw"))
  const single = await timed("raw publish", () => Raw.publish(nc, messages))

  // Read only now, so that the yardstick's process holds no more than it needs.
  const changes = new Map((await Raw.read(nc, ns.streams.events, `${ns.root}.events.${sync}.>`, DeliverPolicy.All))
    .map((m) => [m.subject.replace(".events.", ".records."), m] as const))
  const pairsFor = (to: string) =>
    messages.flatMap((m) => {
      const change = changes.get(m.subject.replace(".raw.", `.${sync}.`))
      return change === undefined ? [] : [Raw.renamed(m, "raw", to), Raw.renamed(change, sync, to)]
    })
  // Each set of copies is made before its clock starts.
  const pairs = pairsFor("raw2")
  const rawPairs = await timed("raw publish of both messages", () => Raw.publish(nc, pairs))
  const leanSingles = messages.map((m) => Raw.renamed(m, "raw", "raw3"))
  const leanRaw = await timed("lean raw publish", () => Raw.publishLean(nc, leanSingles))
  const leanPairs = pairsFor("raw4")
  const leanRawPairs = await timed("lean raw publish of both messages", () => Raw.publishLean(nc, leanPairs))
  return { single, pairs: rawPairs, lean: leanRaw, leanPairs: leanRawPairs }
}

interface Milestone {
  readonly _tag: string
  readonly at: string
  readonly row_counts?: Record<string, number>
}

const readMilestones = async (nc: NatsConnection, ns: Namespace.Namespace, sync: string) => {
  const jsm = await jetstreamManager(nc)
  const out: Array<Milestone> = []
  for (let seq = 1; ; seq++) {
    const message = await jsm.streams.getMessage(ns.streams.syncLog, { seq }).catch(() => null)
    if (message === null) return out
    if (message.subject === `${ns.root}.synclog.${sync}`) out.push(message.json<Milestone>())
  }
}

await main()
