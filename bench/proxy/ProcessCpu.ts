/**
 * CPU time of processes from /proc (Linux), to tell where a benchmark's time goes: a
 * process tree's own time, its reaped children's and its live descendants' (Postgres
 * forks a backend per connection; the proxy a worker per core). `undefined` where /proc
 * is missing.
 */
import { readdirSync, readFileSync } from "node:fs"

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100

interface Times {
  readonly ppid: number
  /** utime + stime */
  readonly own: number
  /** cutime + cstime: children that exited and were waited for. */
  readonly reaped: number
}

const times = (pid: number): Times | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8")
    // After "pid (comm) ": state ppid … utime(14) stime(15) cutime(16) cstime(17), 1-based.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
    return {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      reaped: Number(fields[13]) + Number(fields[14])
    }
  } catch {
    return undefined
  }
}

/** Seconds of CPU used so far by `root`, the children it reaped, and its live descendants. */
export const treeSeconds = (root: number): number | undefined => {
  if (times(root) === undefined) return undefined
  const all = new Map<number, Times>()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    const t = times(Number(entry))
    if (t !== undefined) all.set(Number(entry), t)
  }
  let ticks = 0
  const visit = (pid: number) => {
    const t = all.get(pid)
    if (t === undefined) return
    ticks += t.own + t.reaped
    for (const [child, c] of all) if (c.ppid === pid) visit(child)
  }
  visit(root)
  return ticks / TICKS_PER_SECOND
}

/** Seconds of CPU used by this process's children that have exited (a finished pgbench). */
export const reapedChildrenSeconds = (): number | undefined => {
  const t = times(process.pid)
  return t === undefined ? undefined : t.reaped / TICKS_PER_SECOND
}

/** Seconds of CPU the whole machine has been busy (all cores; /proc/stat), to see others' load. */
export const machineBusySeconds = (): number | undefined => {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal …: everything but idle and iowait.
    const busy = cpu.reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0)
    return busy / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}
