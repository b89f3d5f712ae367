/**
 * Running the proxy as several worker processes of one replica (`TRIBUTARY_PROXY_WORKERS`),
 * so the relay uses more than one core: the primary accepts connections and hands them to
 * workers in turn (node:cluster); each worker runs the whole proxy. A CancelRequest can
 * land on any worker, so a worker that does not know the key asks the primary, which
 * passes it to the others; only the worker that handed the key out acts on it. The HTTP
 * port is shared the same way, so `/metrics` on any worker answers for all of them: the
 * worker asks the primary, which sums every worker's registry (prom-client's aggregator).
 *
 * The default is a worker per core, as PgBouncer is run one process per core behind
 * so_reuseport: a Node.js process relays on one thread, and a relay's cost per message is
 * mostly the kernel's and Node's per socket event (docs/proxy.md, Benchmark), which more
 * processes spread over the cores. "Cores" is `os.availableParallelism()`: the CPUs the
 * process may run on, and in a container its CPU quota.
 */
import cluster from "node:cluster"
import { availableParallelism } from "node:os"
import { Env, Main, Settings } from "@tributary/core"
import { Config, ConfigError, Effect, Either, Exit } from "effect"
import { AggregatorRegistry } from "prom-client"
import type { Registry } from "prom-client"

const CANCEL = "tributary-proxy-cancel"
const METRICS = "tributary-proxy-metrics"
const METRICS_REPLY = "tributary-proxy-metrics-reply"
const METRICS_TIMEOUT_MS = 10_000

interface CancelMessage {
  readonly type: typeof CANCEL
  readonly processId: number
  readonly secret: number
}

interface MetricsRequest {
  readonly type: typeof METRICS
  readonly id: number
}

interface MetricsReply {
  readonly type: typeof METRICS_REPLY
  readonly id: number
  readonly text?: string
  readonly error?: string
}

const typed = <M extends { readonly type: string }>(type: M["type"]) => (value: unknown): value is M =>
  typeof value === "object" && value !== null && (value as { type?: unknown }).type === type

const isCancel = typed<CancelMessage>(CANCEL)
const isMetricsRequest = typed<MetricsRequest>(METRICS)
const isMetricsReply = typed<MetricsReply>(METRICS_REPLY)

const MAX_WORKERS = 64

/** A worker per core, at most MAX_WORKERS. */
export const defaultCount = (): number => Math.min(availableParallelism(), MAX_WORKERS)

const WORKERS = Settings.env("PROXY_WORKERS")

/** `TRIBUTARY_PROXY_WORKERS`: a worker per core when unset or empty. */
export const workers = Config.string(WORKERS).pipe(
  Config.withDefault(""),
  Config.mapOrFail((value) => {
    if (value === "") return Either.right(defaultCount())
    const n = Number(value)
    return Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS
      ? Either.right(n)
      // `mapOrFail` does not add the variable's name to the error's path: it is given here.
      : Either.left(ConfigError.InvalidData([WORKERS], `must be an integer from 1 to ${MAX_WORKERS}, not ${JSON.stringify(value)}`))
  })
)

/**
 * The worker count, read together with the rest of the proxy's configuration (`proxy`) in the
 * primary, before any worker is forked: a bad value exits 1 with the start-up failure every
 * service gives, each bad variable named once, rather than once by every worker.
 */
export const countOrExit = <A>(
  proxy: Config.Config<A>,
  /** What else must hold before any worker starts (files the settings name can be read). */
  check: (settings: A) => Effect.Effect<unknown, ConfigError.ConfigError> = () => Effect.void
): number => {
  const read = Config.all([workers, proxy]).pipe(Effect.tap(([, settings]) => check(settings)))
  const exit = Effect.runSyncExit(Effect.provide(read, Env.layer()))
  if (Exit.isSuccess(exit)) return exit.value[0]
  process.stderr.write(`${Main.describeFailure(exit.cause)}\n`)
  return process.exit(1)
}

/** A worker that served at least this long before it exited is replaced at once. */
const HEALTHY_RUN_MS = 30_000
const FIRST_RESTART_DELAY_MS = 100
const MAX_RESTART_DELAY_MS = 10_000

/**
 * How long to wait before replacing a worker that exited after `livedMs`, the previous wait
 * having been `previousDelayMs`: at once after a healthy run, otherwise twice the previous wait
 * (from 100 ms, at most 10 s), so a worker that cannot start (NATS or Postgres away) is not
 * forked again in a tight loop that keeps a core busy and floods the log.
 */
export const restartDelayMs = (livedMs: number, previousDelayMs: number): number =>
  livedMs >= HEALTHY_RUN_MS ? 0 : Math.min(Math.max(previousDelayMs * 2, FIRST_RESTART_DELAY_MS), MAX_RESTART_DELAY_MS)

/** In the primary: fork the workers and relay cancels; in a worker (or with one worker): run. */
export const run = (workers: number, worker: () => void): void => {
  if (workers <= 1 || cluster.isWorker) return worker()
  let stopping = false
  // A worker that exits as the primary writes to it (a cancel, a disconnect) fails the
  // write with EPIPE; its "exit" says what happened.
  const forkedAt = new Map<number, number>()
  const fork = () => {
    const worker = cluster.fork().on("error", () => undefined)
    forkedAt.set(worker.id, Date.now())
  }
  for (let i = 0; i < workers; i++) fork()
  const aggregator = new AggregatorRegistry()
  cluster.on("message", (from, message: unknown) => {
    if (isMetricsRequest(message)) {
      aggregator.clusterMetrics().then(
        (text) => from.send({ type: METRICS_REPLY, id: message.id, text } satisfies MetricsReply),
        (error: unknown) => from.send({ type: METRICS_REPLY, id: message.id, error: String(error) } satisfies MetricsReply)
      )
      return
    }
    if (!isCancel(message)) return
    for (const other of Object.values(cluster.workers ?? {})) if (other !== undefined && other !== from) other.send(message)
  })
  // Until a worker listens, the replica is starting: a worker that exits then (bad
  // configuration, an unreachable server) would fail the same way again, so the replica
  // exits with its code, as a single process would, rather than starting workers forever.
  let started = false
  let restartDelay = 0
  cluster.once("listening", () => {
    started = true
  })
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return
    if (!started) {
      process.stderr.write(`proxy worker ${worker.process.pid} exited (${code ?? signal}) while starting; stopping\n`)
      return stop(code === null || code === 0 ? 1 : code)
    }
    const lived = Date.now() - (forkedAt.get(worker.id) ?? 0)
    forkedAt.delete(worker.id)
    restartDelay = restartDelayMs(lived, restartDelay)
    process.stderr.write(`proxy worker ${worker.process.pid} exited (${code ?? signal}); starting another in ${restartDelay} ms\n`)
    setTimeout(() => {
      if (!stopping) fork()
    }, restartDelay)
  })
  const stop = (exitCode: number) => {
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM")
    cluster.disconnect(() => process.exit(exitCode))
  }
  process.on("SIGINT", () => stop(0))
  process.on("SIGTERM", () => stop(0))
}

/**
 * In a worker whose proxy has stopped (it failed, or was signalled): let the process exit
 * with its code. The IPC channel with the primary would keep it running, serving nothing,
 * and the primary would neither stop nor replace it. Unref'd rather than disconnected: the
 * primary may be disconnecting it at the same time.
 */
export const leave = (): void => {
  if (cluster.isWorker) process.channel?.unref()
}

/** In a worker: tell the others about a cancel it cannot place, and act on theirs. */
export const shareCancels = (cancel: (processId: number, secret: number) => Promise<boolean>) => {
  if (!cluster.isWorker) return undefined
  const onMessage = (message: unknown) => {
    if (isCancel(message)) void cancel(message.processId, message.secret)
  }
  process.on("message", onMessage)
  return {
    forward: (processId: number, secret: number) => process.send?.({ type: CANCEL, processId, secret } satisfies CancelMessage),
    stop: () => process.off("message", onMessage)
  }
}

/**
 * In a worker: make `registry` part of the replica's metrics, and return how to read them
 * all (summed over the workers by the primary). Outside a worker: `undefined`.
 */
export const shareMetrics = (registry: Registry) => {
  if (!cluster.isWorker) return undefined
  AggregatorRegistry.setRegistries([registry])
  // Constructing one makes prom-client answer the primary's requests in this worker.
  new AggregatorRegistry()
  let next = 0
  const waiting = new Map<number, { readonly resolve: (text: string) => void; readonly reject: (error: Error) => void }>()
  const onMessage = (message: unknown) => {
    if (!isMetricsReply(message)) return
    const request = waiting.get(message.id)
    waiting.delete(message.id)
    if (message.text !== undefined) request?.resolve(message.text)
    else request?.reject(new Error(`metrics of the other workers: ${message.error ?? "no answer"}`))
  }
  process.on("message", onMessage)
  const text = () =>
    new Promise<string>((resolve, reject) => {
      const id = next++
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`metrics of the other workers: no answer within ${METRICS_TIMEOUT_MS} ms`))
      }, METRICS_TIMEOUT_MS)
      waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        }
      })
      process.send?.({ type: METRICS, id } satisfies MetricsRequest)
    })
  return { text, stop: () => process.off("message", onMessage) }
}
