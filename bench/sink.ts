/**
 * `npm run bench:sink`: how fast the sink writes RECORDS into Postgres, against the same
 * rows upserted straight from memory into the same Postgres.
 *
 * 1. Start a private nats-server and PostgreSQL; publish 200,000 records of about 1.3 KB,
 *    with the headers the sync puts on them.
 * 2. Raw: upsert the same records from memory with each write strategy (the same
 *    versioned upsert statement, fed as one jsonb array, a binary jsonb[] of records,
 *    unnest() arrays, multi-row VALUES, or COPY into a temp table plus a merge), one
 *    transaction per batch, as many connections as the sink uses. The fastest is
 *    `raw_upserts_per_s`.
 * 3. The sink, with its default strategy, from RECORDS into a fresh database.
 *
 * Prints JSON; `ratio` = upserts_per_s / raw_upserts_per_s (goal: at least 0.8).
 */
import { hash } from "node:crypto"
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { PubHeaders } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { Collection, Database, Headers, Ids, Log, Nats, Provisioning, Record, Subjects } from "@tributary/core"
import { Metrics, Readiness, Sink, SinkSettings } from "@tributary/sink"
import { Staging, Tables, Target } from "@tributary/tables"
import type { Staging as S } from "@tributary/tables"
import { NatsServer, PostgresServer } from "@tributary/testkit/servers"
import { Cause, Effect, Exit, Fiber, Layer, Option, Redacted, Schema } from "effect"
import pg from "pg"
import * as Corpus from "./sink/Corpus.js"
import * as Profile from "./sink/Profile.js"

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000)
const settings: SinkSettings.SinkSettings = { ...SinkSettings.defaults, port: 0 }
const sync = Ids.SyncId.make("sync_bench")
const customers = Collection.CollectionId.make("stripe:customer")
const encode = Schema.encodeSync(Record.Record)

const upstreamIdOf = (i: number) => Ids.UpstreamId.make(`cus_${i.toString(36).padStart(8, "0")}`)

const makeRecord = (i: number): Record.Record => {
  const upstreamId = upstreamIdOf(i)
  return new Record.Record({
    id: Record.recordIdFor(sync, customers, upstreamId),
    upstream_id: upstreamId,
    collection_id: customers,
    sync: { id: sync, external_id: "tenant_1", metadata: { plan: "gold" } },
    deleted: false,
    updated_idx: 1,
    upstream_created_at: "2024-01-01T00:00:00.000Z",
    upstream_updated_at: "2024-01-02T00:00:00.000Z",
    data: {
      id: upstreamId, object: "customer", email: `user${i}@example.com`, name: `Customer ${i}`, phone: "+33 1 23 45 67 89",
      currency: "usd", balance: i % 1000, delinquent: false, created: 1_700_000_000 + i, livemode: false,
      description: "A customer of the benchmark, with enough text to make the record about one kilobyte. ".repeat(5),
      address: { city: "Paris", country: "FR", line1: "1 rue de la Paix", line2: null, postal_code: "75002", state: null },
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      metadata: { account: `acct_${i % 97}`, tier: "gold" }, preferred_locales: ["fr", "en"], tax_exempt: "none"
    }
  })
}

const UPSTREAM_VERSION = `${Date.parse("2024-01-02T00:00:00.000Z")}-${Date.parse("2024-01-02T00:00:00.000Z")}`

/** The headers the sync puts on every record (services/sync's `RecordBody`), so the sink reads what it reads in production. */
const syncHeaders = (record: Record.Record, json: Uint8Array) => {
  const h = natsHeaders()
  for (const [name, value] of Headers.identityOf(record)) h.set(name, value)
  h.set(Headers.UPSTREAM_VERSION, UPSTREAM_VERSION)
  h.set(Headers.CONTENT_HASH, hash("sha1", json, "base64url"))
  h.set(PubHeaders.ExpectedLastSubjectSequenceHdr, "0")
  return h
}

const cpuMicros = (usage: NodeJS.CpuUsage) => usage.user + usage.system

/** CPU seconds a process used, with its reaped children (Postgres' exited backends), from /proc. */
const processCpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100
}

/** Postgres' CPU: the postmaster, its exited backends, and the live ones. */
const postgresCpuSeconds = (postmaster: number): number => {
  let total = processCpuSeconds(postmaster)
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")
      if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) / 100
    } catch {
      // exited meanwhile: already in the postmaster's children time
    }
  }
  return total
}

/**
 * Waits until no backend of `database` is left (nor any exited child not yet reaped), so its
 * CPU is in the postmaster's children time when it is read. Read while the pools' backends
 * were exiting, a backend reaped between the two readings above counted nowhere: raw runs
 * showed a third of the Postgres CPU of the same statements in other runs.
 */
const backendsGone = async (postmaster: number, database: string): Promise<void> => {
  const deadline = Date.now() + 10_000
  for (;;) {
    const left = readdirSync("/proc").filter((e) => /^\d+$/.test(e)).some((entry) => {
      try {
        const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")
        if (Number(fields[1]) !== postmaster) return false
        return fields[0] === "Z" || readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(` ${database} `)
      } catch {
        return false
      }
    })
    if (!left) return
    if (Date.now() > deadline) throw new Error(`backends of ${database} still running after 10 s`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const pidOf = (pattern: string): number => {
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ")
    if (cmdline.includes(pattern)) return Number(entry)
  }
  throw new Error(`no process matching ${pattern}`)
}

const timed = async (run: () => Promise<void>): Promise<number> => {
  const started = performance.now()
  await run()
  return (performance.now() - started) / 1000
}

/** Raw: the records upserted straight from memory, batch by batch, on `concurrency` connections. */
const raw = (url: string, strategy: S.StrategyName, encoded: ReadonlyArray<S.RecordText>) =>
  Effect.gen(function*() {
    const pool = new pg.Pool({ connectionString: url, max: settings.concurrency + 1 })
    const tables = Tables.make(pool, {}, { strategy })
    yield* tables.ensure([customers])
    const batches: Array<ReadonlyArray<Tables.EncodedRecord>> = []
    for (let i = 0; i < encoded.length; i += settings.batchSize) {
      batches.push(encoded.slice(i, i + settings.batchSize)
        .map((json, j) => ({ sync, collection: customers, upstreamId: upstreamIdOf(i + j), json })))
    }
    const options = { syncDeleteMode: () => "soft" as const }
    const seconds = yield* Effect.promise(() => timed(() =>
      Effect.runPromise(Effect.forEach(batches, (batch) =>
        Effect.acquireUseRelease(
          Effect.promise(() => pool.connect()),
          (client) => Effect.gen(function*() {
            yield* Effect.promise(() => client.query("begin"))
            yield* tables.applyEncoded(client, batch, options)
            yield* Effect.promise(() => client.query("commit"))
          }),
          (client) => Effect.sync(() => client.release())
        ), { concurrency: settings.concurrency, discard: true }))))
    const count = yield* Effect.promise(() => pool.query("select count(*)::int as n from stripe.customers"))
    yield* Effect.promise(() => pool.end())
    if (count.rows[0].n !== encoded.length) throw new Error(`${strategy}: ${count.rows[0].n} rows, expected ${encoded.length}`)
    return Math.round(encoded.length / seconds)
  })

const sinkRun = (natsUrl: string, postgresUrl: string) =>
  Effect.scoped(Effect.gen(function*() {
    const natsSettings = { url: natsUrl, user: Option.none(), password: Option.none(), token: Option.none(), namespace: "tributary" }
    const metrics = Metrics.make()
    const context = yield* Layer.build(Layer.mergeAll(Tables.layer({}), Readiness.layer).pipe(
      Layer.provideMerge(Layer.succeed(Metrics.Metrics, metrics)),
      Layer.provideMerge(Layer.mergeAll(
        Nats.layer(natsSettings, "bench-sink"),
        Database.layer({ url: Redacted.make(postgresUrl), poolSize: settings.concurrency + 3 }, "bench-sink")
      )),
      Layer.merge(Log.layer("sink", "warn", process.stderr))
    ))
    // Start-up work (the tables of every known collection) is not throughput: done before the clock starts.
    const tables = yield* Effect.provide(Tables.Tables, context)
    yield* tables.ensure(Target.knownCollections())
    const written = () => metrics.records.get().then((m) => m.values.find((v) => v.labels.outcome === "written")?.value ?? 0)
    const profile = yield* Profile.start
    const started = performance.now()
    const cpu = process.cpuUsage()
    const sink = yield* Sink.run(settings).pipe(Effect.provide(context), Effect.forkScoped)
    for (;;) {
      if ((yield* Effect.promise(written)) >= RECORDS) break
      // The sink never returns: if it did, it failed, and waiting on would hang the benchmark (and the CPU lock).
      const ended = yield* Fiber.poll(sink)
      if (Option.isSome(ended)) return yield* Effect.die(new Error(`the sink stopped: ${Cause.pretty(Exit.isFailure(ended.value) ? ended.value.cause : Cause.empty)}`))
      yield* Effect.sleep(20)
    }
    const seconds = (performance.now() - started) / 1000
    yield* profile.stop
    const sizes = (yield* Effect.promise(() => metrics.batchSize.get())).values
    const sum = sizes.find((v) => v.metricName?.endsWith("_sum"))?.value ?? 0
    const count = sizes.find((v) => v.metricName?.endsWith("_count"))?.value ?? 1
    const busy = (yield* Effect.promise(() => metrics.batchSeconds.get())).values
      .find((v) => v.metricName?.endsWith("_sum"))?.value ?? 0
    return {
      perSecond: Math.round(RECORDS / seconds),
      meanBatch: Math.round(sum / count),
      // Share of the wall time the writers spent in transactions: near 1, Postgres is the limit.
      writerBusy: Number((busy / settings.concurrency / seconds).toFixed(2)),
      nodeCpuPerRecordUs: Math.round(cpuMicros(process.cpuUsage(cpu)) / RECORDS)
    }
  }))

const main = Effect.gen(function*() {
  const dir = mkdtempSync(join(tmpdir(), "tributary-bench-sink-"))
  chmodSync(dir, 0o755)
  const servers = yield* Effect.acquireRelease(
    Effect.promise(async () => {
      const [nats, postgres] = await Promise.all([
        NatsServer.start({ dir: join(dir, "nats") }),
        PostgresServer.start({ dir: join(dir, "postgres"), password: "bench" })
      ])
      return { nats, postgres }
    }),
    ({ nats, postgres }) => Effect.promise(async () => {
      await Promise.all([nats.stop(), postgres.stop()])
      rmSync(dir, { recursive: true, force: true })
    })
  )
  // The records' JSON end to end in one buffer. Held as 400,000 strings and buffers (let alone as
  // objects), the raw measurements' inputs would be marked by the garbage collector again and again
  // during the sink's measurement too, which its process would not have to do in production.
  const corpus = Corpus.make(RECORDS, (i) => JSON.stringify(encode(makeRecord(i))))
  const recordBytes = Math.round(corpus.bytes.length / RECORDS)

  // Publish everything first, so neither measurement competes with the publisher.
  yield* Effect.scoped(Effect.gen(function*() {
    const nats = yield* Nats.make({ url: servers.nats.url, user: Option.none(), password: Option.none(), token: Option.none(),
      namespace: "tributary" }, "bench-publisher")
    yield* Provisioning.ensure().pipe(Effect.provideService(Nats.Nats, nats), Effect.provide(Log.layer("bench", "warn", process.stderr)))
    yield* Effect.promise(async () => {
      for (let i = 0; i < RECORDS; i += 5_000) {
        await Promise.all(Array.from({ length: Math.min(5_000, RECORDS - i) }, (_, j) => {
          const record = makeRecord(i + j)
          const json = Corpus.bytesAt(corpus, i + j)
          return nats.js.publish(Subjects.forRecord(nats.ns, "records", sync, customers, record.upstream_id), json,
            { headers: syncHeaders(record, json) })
        }))
      }
    })
  }))

  const strategies: Partial<Record<S.StrategyName, number>> = {}
  const only = process.env.BENCH_STRATEGIES?.split(",") as ReadonlyArray<S.StrategyName> | undefined
  // Every measurement starts alike: the previous database dropped (no autovacuum left working
  // on it) and a checkpoint taken (no dirty pages from it left to write).
  const admin = (sql: string) =>
    Effect.promise(async () => {
      const client = new pg.Client({ connectionString: servers.postgres.url })
      await client.connect()
      await client.query(sql).finally(() => client.end())
    })
  const postmaster = Number(readFileSync(join(dir, "postgres", "data", "postmaster.pid"), "utf8").split("\n")[0])
  const natsServer = pidOf(join(dir, "nats"))
  const cpu: Record<string, { postgres_s: number; nats_server_s: number; node_s: number }> = {}
  const measure = <A, E>(name: string, run: (url: string) => Effect.Effect<A, E>) =>
    Effect.gen(function*() {
      yield* admin("checkpoint")
      const url = yield* Effect.promise(() => servers.postgres.freshDatabase(name))
      const before = { pg: postgresCpuSeconds(postmaster), nats: processCpuSeconds(natsServer), node: process.cpuUsage() }
      const result = yield* run(url)
      const node = cpuMicros(process.cpuUsage(before.node))
      yield* Effect.promise(() => backendsGone(postmaster, name))
      cpu[name] = {
        postgres_s: Number((postgresCpuSeconds(postmaster) - before.pg).toFixed(1)),
        nats_server_s: Number((processCpuSeconds(natsServer) - before.nats).toFixed(1)),
        node_s: Number((node / 1e6).toFixed(1))
      }
      yield* admin(`drop database ${name}`)
      return result
    })
  const sinkFirst = process.env.BENCH_SINK_FIRST === "1"
  const sinkEarly = sinkFirst ? yield* measure("sink", (url) => sinkRun(servers.nats.url, url)) : undefined
  for (const strategy of only ?? Staging.STRATEGIES) {
    // Each strategy gets the form it is fastest with, made before its clock starts and dropped after:
    // bytes for `json` and `elements`, which send them as they are; text for the others.
    const input = strategy === "json" || strategy === "elements" ? Corpus.bytes(corpus) : Corpus.texts(corpus)
    strategies[strategy] = yield* measure(`raw_${strategy}`, (url) => raw(url, strategy, input))
  }
  const rawBest = Math.max(...Object.values(strategies))
  const sink = sinkEarly ?? (yield* measure("sink", (url) => sinkRun(servers.nats.url, url)))

  const upserts = sink.perSecond
  return {
    records: RECORDS,
    record_bytes: recordBytes,
    upserts_per_s: upserts,
    raw_upserts_per_s: rawBest,
    ratio: Number((upserts / rawBest).toFixed(3)),
    strategy: Tables.DEFAULT_STRATEGY,
    strategies_raw_upserts_per_s: strategies,
    batch_size: settings.batchSize,
    sink_mean_batch: sink.meanBatch,
    sink_writer_busy: sink.writerBusy,
    sink_node_cpu_us_per_record: sink.nodeCpuPerRecordUs,
    concurrency: settings.concurrency,
    /** CPU each process used during each measurement (Postgres: every backend). */
    cpu_seconds: cpu,
    load_average_1m: Number(loadavg()[0]!.toFixed(2))
  }
})

const result = await Effect.runPromise(Effect.scoped(main))
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
