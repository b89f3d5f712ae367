/**
 * `npm run bench:proxy`: the Postgres proxy's read path against Postgres directly and
 * against PgBouncer, with `pgbench -S` (select-only), in the same run and interleaved
 * (rounds of direct → pgbouncer → proxy, medians reported), so a busy machine hurts all
 * alike. Then the write path: the latency of an INSERT … RETURNING through the proxy
 * minus the latency of the bare API call it makes. Prints one JSON object on stdout.
 *
 * Private nats-server, PostgreSQL and Stripe emulator. For pgbench the proxy runs as its
 * own service process, as deployed: in its default configuration (a worker per core; the
 * headline figures) and with `BENCH_PROXY_WORKERS` workers (default 1) for comparison.
 * PgBouncer runs with as many processes (so_reuseport) as each of those, and the
 * baseline is whichever PgBouncer setup is faster, so the proxy is never compared with a
 * PgBouncer held to fewer cores than it uses. Each run also reports the CPU time per
 * transaction of pgbench, Postgres, PgBouncer and the proxy (from /proc), which is where
 * the differences come from.
 *
 * For writes the proxy runs in this process, writing to the emulator through the Stripe
 * connector; the bare API call is the same create made directly with the SDK.
 *
 * `BENCH_ONLY=writes` measures the writes alone: no pgbench, no PgBouncer, no service
 * processes (a write's latency can be compared in a few seconds, and without PgBouncer).
 */
import { StripeConnector } from "@tributary/connector-stripe"
import { execFile, spawn } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { randomBytes } from "node:crypto"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Database, Log, Namespace, Nats, Provisioning, ProxyCredentials, Secrets, SyncStore } from "@tributary/core"
import { Proxy, Workers } from "@tributary/proxy"
import { Emulator } from "@tributary/stripe-emulator"
import { NatsServer, PostgresServer, Ports } from "@tributary/testkit/servers"
import { Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import pg from "pg"
import Stripe from "stripe"
import * as PgBouncer from "./proxy/PgBouncer.js"
import * as ProcessCpu from "./proxy/ProcessCpu.js"

const exec = promisify(execFile)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8)
const WRITES = Number(process.env.BENCH_WRITES ?? 200)
const COMPARED_WORKERS = Number(process.env.BENCH_PROXY_WORKERS ?? 1)
const ONLY = process.env.BENCH_ONLY ?? ""
if (ONLY !== "" && ONLY !== "writes") throw new Error(`BENCH_ONLY=${ONLY}: only "writes" (or nothing, for everything) is measured`)
const READS = ONLY !== "writes"
const DEFAULT_WORKERS = Workers.defaultCount()
/** Process counts to measure PgBouncer and the proxy with: the proxy's default, and the compared one. */
const SHAPES = [...new Set([DEFAULT_WORKERS, COMPARED_WORKERS])].sort((a, b) => a - b)

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}
const round = (n: number, digits = 3) => Number(n.toFixed(digits))

const dir = mkdtempSync(join(tmpdir(), "tributary-bench-proxy-"))
chmodSync(dir, 0o755)
const stops: Array<() => Promise<unknown>> = []
const cleanup = async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
}

try {
  const nats = await NatsServer.start({ dir: join(dir, "nats") })
  stops.push(nats.stop)
  const postgres = await PostgresServer.start({ dir: join(dir, "postgres"), password: randomBytes(9).toString("hex") })
  stops.push(postgres.stop)
  const emulator = await Emulator.start({ rateLimitPerSecond: 0 })
  stops.push(emulator.stop)
  const apiKey = emulator.apiKeys[0]!

  const role = "bench_client"
  const rolePassword = randomBytes(9).toString("hex")
  const admin = new pg.Client({ connectionString: postgres.url })
  await admin.connect()
  await admin.query(`create role ${role} login password '${rolePassword}'`)
  await admin.query(`grant create on schema public to ${role}`)
  await admin.end()
  const clientUrl = `postgres://${role}:${rolePassword}@127.0.0.1:${postgres.port}/${PostgresServer.DATABASE}`

  // The proxy, in this process.
  const ns = Namespace.make(`bench_${randomBytes(4).toString("hex")}`)
  const secretKey = randomBytes(32).toString("base64")
  const scope = Effect.runSync(Scope.make())
  stops.push(() => Effect.runPromise(Scope.close(scope, Exit.void)))
  // Logs go to stderr: stdout is the JSON.
  const logs = Log.layer("bench-proxy", "warn", process.stderr)
  const context = await Effect.runPromise(Layer.buildWithScope(Layer.mergeAll(
    Database.layer({ url: Redacted.make(postgres.url), poolSize: 10 }, "bench-proxy"),
    Nats.layer({ url: nats.url, user: Option.none(), password: Option.none(), token: Option.none(), namespace: ns.root }),
    Secrets.layer(Redacted.make(secretKey))
  ).pipe(Layer.provide(logs)), scope).pipe(Effect.provide(logs)))
  const { port, user, password } = await Effect.runPromise(Effect.gen(function*() {
    yield* Provisioning.ensure()
    const sync = yield* SyncStore.create({ source: "stripe", api_key: apiKey, api_base_url: emulator.url })
    const issued = yield* ProxyCredentials.issue("bench", sync.id)
    const listening = yield* Proxy.make({
      settings: { host: "127.0.0.1", port: 0, upstreamUrl: Redacted.make(clientUrl), tls: undefined, apiTimeoutMs: 10_000, natsReadTimeoutMs: 1_500 },
      tables: {},
      connectors: [StripeConnector.make()]
    })
    return { port: listening.port, user: issued.credential.user, password: issued.password }
  }).pipe(Effect.provide(context), Effect.provide(logs), Scope.extend(scope)))

  const proxyUrl = (at: number) => `postgres://${user}:${password}@127.0.0.1:${at}/${PostgresServer.DATABASE}`

  /** The read path: pgbench against Postgres directly, PgBouncer and the proxy service, in rounds. */
  const measureReads = async () => {
    await exec("pgbench", ["-i", "-q", "-s", "2", clientUrl])

    // PgBouncer as one process, and as many as the proxy has workers by default.
    const bouncers = new Map<number, PgBouncer.RunningPgBouncer>()
    for (const processes of SHAPES) {
      const bouncer = await PgBouncer.start({
        dir: join(dir, `pgbouncer-${processes}`),
        processes,
        upstream: { port: postgres.port, database: PostgresServer.DATABASE },
        user: role,
        password: rolePassword
      })
      stops.push(bouncer.stop)
      bouncers.set(processes, bouncer)
    }

    /** The proxy service as its own process (`services/proxy/src/main.ts`): `workers` workers, or its default. */
    const spawnProxy = async (workers: number | "default") => {
      const proxyPort = await Ports.freePort()
      const child = spawn(process.execPath, ["--import", "tsx", "services/proxy/src/main.ts"], {
        stdio: "ignore",
        env: {
          ...process.env,
          TRIBUTARY_NATS_URL: nats.url,
          TRIBUTARY_NAMESPACE: ns.root,
          TRIBUTARY_POSTGRES_URL: postgres.url,
          TRIBUTARY_PROXY_UPSTREAM_URL: clientUrl,
          TRIBUTARY_PROXY_HOST: "127.0.0.1",
          TRIBUTARY_PROXY_PORT: String(proxyPort),
          TRIBUTARY_PROXY_HTTP_PORT: String(await Ports.freePort()),
          TRIBUTARY_PROXY_WORKERS: workers === "default" ? "" : String(workers),
          TRIBUTARY_SECRET_KEY: secretKey,
          TRIBUTARY_LOG_LEVEL: "warn"
        }
      })
      stops.push(async () => {
        child.kill("SIGTERM")
      })
      const deadline = Date.now() + 60_000
      while (!(await Ports.accepts(proxyPort))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the proxy (${workers} workers) did not start`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      return { port: proxyPort, pid: child.pid! }
    }
    const proxies = new Map<number, { readonly port: number; readonly pid: number }>()
    for (const workers of SHAPES) proxies.set(workers, await spawnProxy(workers === DEFAULT_WORKERS ? "default" : workers))
    const postmaster = Number(readFileSync(join(dir, "postgres", "data", "postmaster.pid"), "utf8").split("\n")[0])

    /** Each target, and the processes (trees) in the middle whose CPU time is theirs. */
    const targets = new Map<string, { readonly url: string; readonly middle: ReadonlyArray<number> }>([
      ["direct", { url: clientUrl, middle: [] }],
      ...SHAPES.map((n) => [
        `pgbouncer_${n}`,
        { url: `postgres://${role}:${rolePassword}@127.0.0.1:${bouncers.get(n)!.port}/${PostgresServer.DATABASE}`, middle: bouncers.get(n)!.pids }
      ] as const),
      ...SHAPES.map((n) => [`proxy_${n}`, { url: proxyUrl(proxies.get(n)!.port), middle: [proxies.get(n)!.pid] }] as const)
    ])
    const middleSeconds = (pids: ReadonlyArray<number>) => {
      let total = 0
      for (const pid of pids) {
        const seconds = ProcessCpu.treeSeconds(pid)
        if (seconds === undefined) return undefined
        total += seconds
      }
      return pids.length === 0 ? undefined : total
    }
    /** CPU microseconds per transaction of each process during one run. */
    type CpuPerTransaction = { pgbench: number | undefined; postgres: number | undefined; middle: number | undefined }
    /** CPU the machine spent outside this benchmark's processes, in % of one core: other load. */
    const outside = (before: { machine?: number | undefined; bench?: number | undefined }, after: typeof before, seconds: number) =>
      before.machine === undefined || after.machine === undefined || before.bench === undefined || after.bench === undefined
        ? undefined
        : Math.max(0, round((100 * ((after.machine - before.machine) - (after.bench - before.bench))) / seconds, 0))
    const pgbench = async (target: string) => {
      const { url, middle } = targets.get(target)!
      const before = { pgbench: ProcessCpu.reapedChildrenSeconds(), postgres: ProcessCpu.treeSeconds(postmaster), middle: middleSeconds(middle) }
      const load = { machine: ProcessCpu.machineBusySeconds(), bench: ProcessCpu.treeSeconds(process.pid) }
      const started = performance.now()
      const { stdout } = await exec("pgbench", ["-S", "-n", "-c", String(CLIENTS), "-j", "2", "-T", String(SECONDS), url])
      const otherLoad = outside(load, { machine: ProcessCpu.machineBusySeconds(), bench: ProcessCpu.treeSeconds(process.pid) }, (performance.now() - started) / 1000)
      // Postgres reaps the backends of pgbench's connections just after they close.
      await new Promise((resolve) => setTimeout(resolve, 200))
      const after = { pgbench: ProcessCpu.reapedChildrenSeconds(), postgres: ProcessCpu.treeSeconds(postmaster), middle: middleSeconds(middle) }
      const tps = /tps = ([\d.]+)/.exec(stdout)
      const transactions = /number of transactions actually processed: (\d+)/.exec(stdout)
      if (tps === null || transactions === null) throw new Error(`pgbench printed no tps:\n${stdout}`)
      const perTransaction = (a: number | undefined, b: number | undefined) =>
        a === undefined || b === undefined ? undefined : round(((b - a) * 1e6) / Number(transactions[1]), 1)
      const cpu: CpuPerTransaction = {
        pgbench: perTransaction(before.pgbench, after.pgbench),
        postgres: perTransaction(before.postgres, after.postgres),
        middle: perTransaction(before.middle, after.middle)
      }
      return { tps: Number(tps[1]), cpu, otherLoad }
    }
    const names = [...targets.keys()]
    const runs: Record<string, Array<number>> = Object.fromEntries(names.map((name) => [name, []]))
    const cpuRuns: Record<string, Array<CpuPerTransaction>> = Object.fromEntries(names.map((name) => [name, []]))
    const otherLoad: Array<number | undefined> = []
    for (let i = 0; i < ROUNDS; i++) {
      for (const name of names) {
        const run = await pgbench(name)
        runs[name]!.push(run.tps)
        cpuRuns[name]!.push(run.cpu)
        otherLoad.push(run.otherLoad)
      }
    }
    const tps: Record<string, number> = Object.fromEntries(names.map((name) => [name, median(runs[name]!)]))
    // The baseline is the fastest PgBouncer setup measured, whichever it is.
    const baseline = SHAPES.reduce((best, n) => (tps[`pgbouncer_${n}`]! > tps[`pgbouncer_${best}`]! ? n : best))
    const headline = tps[`proxy_${DEFAULT_WORKERS}`]!
    /** Median CPU µs per transaction of each process, per target: where the time goes. */
    const cpuPerTransaction = Object.fromEntries(names.map((name) => {
      const of = (key: keyof CpuPerTransaction) => {
        const values = cpuRuns[name]!.map((c) => c[key]).filter((v): v is number => v !== undefined)
        return values.length === 0 ? undefined : median(values)
      }
      const middle = name === "direct" ? {} : { [name.startsWith("pgbouncer") ? "pgbouncer" : "proxy"]: of("middle") }
      return [name, { pgbench: of("pgbench"), postgres: of("postgres"), ...middle }]
    }))
    return {
      pgbench: { mode: "select-only (-S)", clients: CLIENTS, seconds_per_run: SECONDS, rounds: ROUNDS },
      proxy_config: `the default: a worker per core, ${DEFAULT_WORKERS} here`,
      pgbouncer_config: `${baseline === 1 ? "1 process" : `${baseline} processes on one port (so_reuseport)`}: the faster PgBouncer setup of ${SHAPES.join(" and ")} processes`,
      tps_direct: round(tps.direct!, 1),
      tps_pgbouncer: round(tps[`pgbouncer_${baseline}`]!, 1),
      tps_proxy: round(headline, 1),
      proxy_vs_direct: round(headline / tps.direct!),
      proxy_vs_pgbouncer: round(headline / tps[`pgbouncer_${baseline}`]!),
      goal_proxy_vs_pgbouncer: 0.9,
      /** Medians of every target: `pgbouncer_<processes>`, `proxy_<workers>`. */
      tps: Object.fromEntries(names.map((name) => [name, round(tps[name]!, 1)])),
      /** The proxy with n workers against PgBouncer with n processes. */
      proxy_vs_pgbouncer_same_processes: Object.fromEntries(SHAPES.map((n) => [n, round(tps[`proxy_${n}`]! / tps[`pgbouncer_${n}`]!)])),
      runs,
      cpu_us_per_transaction: cpuPerTransaction,
      /** % of one core used by processes outside the benchmark during each run: figures under other load swing. */
      other_load_pct_of_a_core: otherLoad,
    }
  }
  const reads = READS ? await measureReads() : {}

  // Writes: an INSERT … RETURNING through the proxy against the bare API call it makes.
  const client = new pg.Client({ connectionString: proxyUrl(port) })
  await client.connect()
  const stripe = new Stripe(apiKey, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false, maxNetworkRetries: 0 })
  const proxyMs: Array<number> = []
  const apiMs: Array<number> = []
  for (let i = 0; i < WRITES; i++) {
    const started = performance.now()
    await client.query("insert into stripe.customers (email, name) values ($1, $2) returning id", [`w${i}@bench.io`, "Bench"])
    proxyMs.push(performance.now() - started)
    const bare = performance.now()
    await stripe.customers.create({ email: `b${i}@bench.io`, name: "Bench" }, { idempotencyKey: `bench-${i}` })
    apiMs.push(performance.now() - bare)
  }
  await client.end()
  const proxyP50 = median(proxyMs)
  const apiP50 = median(apiMs)

  process.stdout.write(`${JSON.stringify({
    ...reads,
    writes: WRITES,
    write_api: "Stripe emulator through the official SDK",
    proxy_insert_ms_p50: round(proxyP50),
    api_call_ms_p50: round(apiP50),
    write_overhead_ms_p50: round(proxyP50 - apiP50),
    goal_write_overhead_ms_p50: 5
  }, null, 2)}\n`)
} finally {
  await cleanup()
}
