/**
 * CPU seconds of the processes a benchmark run involves, read from `/proc/<pid>/stat`
 * (user + system, in clock ticks of 1/100 s), so a run can say which process was busy; and
 * their read and write system calls (`/proc/<pid>/io`): on a VM every socket write that wakes
 * the peer costs tens of microseconds, so how often the processes talk matters as much as
 * how much they say.
 */
import { readFileSync, readdirSync } from "node:fs"

const TICKS_PER_SECOND = 100

export const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

export interface Syscalls {
  readonly reads: number
  readonly writes: number
}

export const syscalls = (pid: number): Syscalls => {
  const io = readFileSync(`/proc/${pid}/io`, "utf8")
  return { reads: Number(/^syscr: (\d+)$/m.exec(io)?.[1]), writes: Number(/^syscw: (\d+)$/m.exec(io)?.[1]) }
}

/** The first process whose command line contains `pattern`. */
export const pidOf = (pattern: string): number => {
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").includes(pattern)) return Number(entry)
    } catch {
      // exited meanwhile
    }
  }
  throw new Error(`no process matching ${pattern}`)
}

export interface Measured {
  /** Wall-clock seconds from the start to `finished`. */
  readonly seconds: number
  /** CPU seconds of each named process over the same span. */
  readonly cpu: Readonly<Record<string, number>>
  /** System calls of each named process over the same span. */
  readonly syscalls: Readonly<Record<string, Syscalls>>
}

/**
 * Time and CPU from the start of `run` until it calls `finished`: the moment the last message
 * is settled. Workers still waiting on a long poll then (nothing is left for them) run on
 * unmeasured; counting their wait would add up to a poll's length of idle time to the run.
 */
export const measure = async (
  pids: Readonly<Record<string, number>>,
  run: (finished: () => void) => Promise<unknown>
): Promise<Measured> => {
  const snapshot = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, { cpu: cpuSeconds(pid), io: syscalls(pid) }]))
  const before = snapshot()
  const started = performance.now()
  let measured: Measured | undefined
  const finished = () => {
    if (measured !== undefined) return
    const after = snapshot()
    measured = {
      seconds: (performance.now() - started) / 1000,
      cpu: Object.fromEntries(Object.entries(after).map(([name, s]) => [name, s.cpu - before[name]!.cpu])),
      syscalls: Object.fromEntries(Object.entries(after).map(([name, s]) => [name, {
        reads: s.io.reads - before[name]!.io.reads,
        writes: s.io.writes - before[name]!.io.writes
      }]))
    }
  }
  await run(finished)
  finished()
  return measured!
}
