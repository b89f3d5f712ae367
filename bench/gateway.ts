/**
 * `npm run bench:gateway`: messages per second through the consume gateway (receive + ack over
 * HTTP, batch 100, 4 workers) against nats.js fetching and acking the same stream directly,
 * in the same run. A private nats-server; the gateway runs as its own process, like in
 * production. Prints one JSON object: `gateway_msgs_per_s`, `raw_jetstream_msgs_per_s`,
 * `ratio`, and for each run what it cost: CPU microseconds per message of each process
 * (this one, the gateway, nats-server, from /proc), NATS messages per delivered message on
 * the measured side's connection, and KV writes per message (the `inflight` bucket).
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AckPolicy } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { randomBytes } from "node:crypto"
import { ApiTokens, Collection, Headers, Ids, Namespace, Nats, Provisioning, Record, Subjects } from "@tributary/core"
import { NatsServer, Ports } from "@tributary/testkit/servers"
import * as HttpClient from "./gateway/HttpClient.js"
import * as ProcessCpu from "./gateway/ProcessCpu.js"
import { Context, Effect, Exit, Layer, Logger, LogLevel, Option, Scope } from "effect"

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000)
const WORKERS = 4
const BATCH = 100
const METRICS_TOKEN = "bench-gateway-metrics-token"
const SECRET = "bench-secret-key-0123456789abcdef-0123"

const dir = mkdtempSync(join(tmpdir(), "tributary-bench-"))
const server = await NatsServer.start({ dir })
const ns = Namespace.make(`bench_${randomBytes(4).toString("hex")}`)
const settings = { url: server.url, user: Option.none(), password: Option.none(), token: Option.none(), namespace: ns.root }
const scope = Effect.runSync(Scope.make())
const nats = Context.get(await Effect.runPromise(Layer.buildWithScope(Nats.layer(settings, "bench"), scope)), Nats.Nats)
// Only warnings and errors from this process: stdout carries the result, one JSON object.
const run = <A, E>(effect: Effect.Effect<A, E, Nats.Nats>) =>
  Effect.runPromise(effect.pipe(Effect.provideService(Nats.Nats, nats), Logger.withMinimumLogLevel(LogLevel.Warning)))

const stop: Array<() => Promise<void>> = []
const cleanup = async () => {
  for (const f of stop.reverse()) await f().catch(() => {})
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}

try {
  await run(Provisioning.ensure())
  const sync = Ids.SyncId.make("sync_bench")
  const collection = Collection.CollectionId.make("stripe:customer")
  const payload = { name: "Bench Customer", email: "bench@example.com", address: { city: "Lisbon", country: "PT" }, balance: 0 }
  for (let at = 0; at < MESSAGES; at += 1_000) {
    await Promise.all(Array.from({ length: Math.min(1_000, MESSAGES - at) }, (_, j) => {
      const upstream = `cus_${at + j}`
      const id = Record.recordIdFor(sync, collection, upstream)
      const h = natsHeaders()
      h.set(Headers.RECORD_ID, id)
      h.set(Headers.UPDATED_IDX, "1")
      return nats.js.publish(Subjects.forRecord(ns, "records", sync, collection, upstream), JSON.stringify({
        id, upstream_id: upstream, collection_id: collection, sync: { id: sync, external_id: null, metadata: {} },
        deleted: false, updated_idx: 1, upstream_created_at: null, upstream_updated_at: null, data: { id: upstream, ...payload }
      }), { headers: h })
    }))
  }

  // Raw JetStream: nats.js fetch + ack, 4 workers.
  await nats.jsm.consumers.add(ns.streams.records, { durable_name: "raw", ack_policy: AckPolicy.Explicit, max_ack_pending: 10_000 })
  const raw = await nats.js.consumers.get(ns.streams.records, "raw")
  const natsServer = ProcessCpu.pidOf(dir)
  const inflightStream = `KV_${ns.buckets.inflight}`
  const rawStats = nats.nc.stats()
  let rawDone = 0
  const rawRun = await ProcessCpu.measure({ bench: process.pid, nats_server: natsServer }, (finished) =>
    Promise.all(Array.from({ length: WORKERS }, async () => {
      while (rawDone < MESSAGES) {
        const batch = await raw.fetch({ max_messages: BATCH, expires: 1_000 })
        for await (const m of batch) {
          m.ack()
          // The last ack is done once the server has it: a flush.
          if (++rawDone === MESSAGES) await nats.nc.flush().then(finished)
        }
      }
    })))
  const rawPerSecond = MESSAGES / rawRun.seconds
  const rawNatsMessages = nats.nc.stats().inMsgs + nats.nc.stats().outMsgs - rawStats.inMsgs - rawStats.outMsgs

  // The gateway as a process of its own.
  const port = await Ports.freePort()
  // BENCH_PROFILE=<dir>: write a CPU profile of the gateway there.
  const profile = process.env.BENCH_PROFILE === undefined
    ? []
    : ["--cpu-prof", "--cpu-prof-interval", "100", "--cpu-prof-dir", process.env.BENCH_PROFILE]
  const gateway = spawn(process.execPath, [...profile, "--import", "tsx", "services/consume-gateway/src/main.ts"], {
    env: {
      ...process.env,
      TRIBUTARY_NATS_URL: server.url,
      TRIBUTARY_NAMESPACE: ns.root,
      TRIBUTARY_SECRET_KEY: SECRET,
      TRIBUTARY_GATEWAY_PORT: String(port),
      TRIBUTARY_GATEWAY_HOST: "127.0.0.1",
      TRIBUTARY_METRICS_TOKEN: METRICS_TOKEN,
      TRIBUTARY_LOG_LEVEL: process.env.BENCH_GATEWAY_LOG_LEVEL ?? "warn"
    },
    stdio: ["ignore", "inherit", "inherit"]
  })
  stop.push(async () => {
    gateway.kill("SIGTERM")
    await new Promise((resolve) => gateway.once("exit", resolve))
  })
  let exited: string | undefined
  gateway.once("exit", (code, signal) => {
    exited = String(code ?? signal)
    process.stderr.write(`gateway exited: ${exited}\n`)
  })
  const url = `http://127.0.0.1:${port}`
  const { token } = await run(ApiTokens.create("bench"))
  const authorization = `Bearer ${token}`
  const deadline = Date.now() + 180_000
  while (!(await fetch(`${url}/readyz`).then((r) => r.ok, () => false))) {
    if (exited !== undefined) throw new Error(`the gateway exited (${exited}) before it was ready`)
    if (Date.now() > deadline) throw new Error("the gateway did not become ready within 180 s")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const created = await fetch(`${url}/v1/consumers`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", max_ack_pending: 10_000 })
  })
  if (created.status !== 201) throw new Error(`creating the consumer: ${created.status} ${await created.text()}`)

  const http = HttpClient.client(url, WORKERS)
  stop.push(async () => http.close())
  const natsMessages = async () => {
    const text = (await http.send("GET", "/metrics", { authorization: `Bearer ${METRICS_TOKEN}` })).body.toString()
    return [...text.matchAll(/^tributary_gateway_nats_messages_total\{direction="(?:in|out)"\} (\d+)$/gm)]
      .reduce((sum, m) => sum + Number(m[1]), 0)
  }
  const kvWrites = async () => (await nats.jsm.streams.info(inflightStream)).state.last_seq
  const [gatewayNatsBefore, kvBefore] = [await natsMessages(), await kvWrites()]
  const ackHeaders = { authorization, "content-type": "application/json" }
  let gatewayDone = 0
  const gatewayRun = await ProcessCpu.measure({ bench: process.pid, gateway: gateway.pid!, nats_server: natsServer }, (finished) =>
    Promise.all(Array.from({ length: WORKERS }, async () => {
      while (gatewayDone < MESSAGES) {
        const response = await http.send("GET", `/v1/consumers/bench/next?batch_size=${BATCH}&wait_for=1000`, { authorization })
        if (response.status !== 200) throw new Error(`next: ${response.status} ${response.body.toString()}`)
        const body = JSON.parse(response.body.toString()) as { data: Array<{ ack_token: string }> }
        if (body.data.length === 0) continue
        const acked = await http.send("POST", "/v1/consumers/bench/ack", ackHeaders,
          JSON.stringify({ ack_tokens: body.data.map((d) => d.ack_token) }))
        if (acked.status !== 204) throw new Error(`ack: ${acked.status} ${acked.body.toString()}`)
        gatewayDone += body.data.length
        if (gatewayDone === MESSAGES) finished()
      }
    })))
  const gatewayPerSecond = MESSAGES / gatewayRun.seconds
  const gatewayNatsMessages = (await natsMessages()) - gatewayNatsBefore
  const gatewayKvWrites = (await kvWrites()) - kvBefore

  /** Per message and process: CPU microseconds and system calls per 100 messages; the run's share of the cores. */
  const costs = (run: ProcessCpu.Measured) => ({
    ...Object.fromEntries(Object.entries(run.cpu).map(([name, s]) => [`${name}_cpu_us_per_msg`, Math.round(s * 1e6 / MESSAGES)])),
    ...Object.fromEntries(Object.entries(run.syscalls).map(([name, s]) =>
      [`${name}_syscalls_per_100_msgs`, { reads: Math.round(s.reads * 100 / MESSAGES), writes: Math.round(s.writes * 100 / MESSAGES) }])),
    cores_busy: Number((Object.values(run.cpu).reduce((a, b) => a + b, 0) / run.seconds).toFixed(2))
  })

  process.stdout.write(`${JSON.stringify({
    messages: MESSAGES,
    workers: WORKERS,
    batch_size: BATCH,
    gateway_msgs_per_s: Math.round(gatewayPerSecond),
    raw_jetstream_msgs_per_s: Math.round(rawPerSecond),
    ratio: Number((gatewayPerSecond / rawPerSecond).toFixed(3)),
    raw: { ...costs(rawRun), nats_msgs_per_msg: Number((rawNatsMessages / MESSAGES).toFixed(2)) },
    gateway: {
      ...costs(gatewayRun),
      nats_msgs_per_msg: Number((gatewayNatsMessages / MESSAGES).toFixed(2)),
      kv_writes_per_msg: Number((gatewayKvWrites / MESSAGES).toFixed(2))
    }
  })}\n`)
} finally {
  await cleanup()
}
