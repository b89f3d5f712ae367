/**
 * Waiting for a service `npm run up` started to answer its `/readyz`. Each probe has a
 * deadline of its own (a socket that accepts and never answers must not hang the start),
 * and a process that exits stops the wait at once, pointing at its log.
 */
import type { ChildProcess } from "node:child_process"

const PROBE_TIMEOUT_MS = 2_000

export const waitForReady = async (
  what: string,
  url: string,
  process: ChildProcess,
  timeoutMs: number
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  const log = `.tributary/logs/${what}.log`
  while (Date.now() < deadline) {
    if (process.exitCode !== null || process.signalCode !== null) {
      throw new Error(`the ${what} exited (${process.exitCode ?? process.signalCode}) before it was ready; see ${log}`)
    }
    const ok = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).then((r) => r.ok, () => false)
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the ${what} did not answer ${url} within ${Math.round(timeoutMs / 1000)} s; see ${log}`)
}
