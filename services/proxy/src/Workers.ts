/**
 * Running the proxy as several worker processes of one replica (`TRIBUTARY_PROXY_WORKERS`),
 * so the relay uses more than one core: the primary accepts connections and hands them to
 * workers in turn (node:cluster); each worker runs the whole proxy. A CancelRequest can
 * land on any worker, so a worker that does not know the key asks the primary, which
 * passes it to the others; only the worker that handed the key out acts on it.
 */
import cluster from "node:cluster"

const CANCEL = "tributary-proxy-cancel"

interface CancelMessage {
  readonly type: typeof CANCEL
  readonly processId: number
  readonly secret: number
}

const isCancel = (value: unknown): value is CancelMessage =>
  typeof value === "object" && value !== null && (value as { type?: unknown }).type === CANCEL

/** Reads `TRIBUTARY_PROXY_WORKERS` (default 1), before any Effect runtime exists. */
export const count = (value = process.env.TRIBUTARY_PROXY_WORKERS): number => {
  if (value === undefined || value === "") return 1
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new Error(`TRIBUTARY_PROXY_WORKERS must be an integer from 1 to 64, not ${JSON.stringify(value)}`)
  }
  return n
}

/** In the primary: fork the workers and relay cancels; in a worker (or with one worker): run. */
export const run = (workers: number, worker: () => void): void => {
  if (workers <= 1 || cluster.isWorker) return worker()
  let stopping = false
  const fork = () => cluster.fork()
  for (let i = 0; i < workers; i++) fork()
  cluster.on("message", (from, message: unknown) => {
    if (!isCancel(message)) return
    for (const other of Object.values(cluster.workers ?? {})) if (other !== undefined && other !== from) other.send(message)
  })
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return
    process.stderr.write(`proxy worker ${worker.process.pid} exited (${code ?? signal}); starting another\n`)
    fork()
  })
  const stop = () => {
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM")
    cluster.disconnect(() => process.exit(0))
  }
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
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
