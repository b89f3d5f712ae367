/**
 * CPU seconds per process of the benchmark (this process, which runs the sync replica
 * and the raw publisher, the emulator and nats-server), from `/proc/<pid>/stat`, so that a
 * phase's figure says which process the time went to: whether JetStream, our code or the
 * emulator is the bottleneck. Linux only; elsewhere every figure is 0.
 */
import { readdirSync, readFileSync } from "node:fs"

/** Clock ticks per second (`getconf CLK_TCK`); 100 on every Linux this runs on. */
const TICKS = 100

export type Usage = Readonly<Record<string, number>>

/** utime + stime of a process, in seconds, or undefined when it is gone. */
const secondsOf = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name is in parentheses and may contain spaces: fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / TICKS
  } catch {
    return undefined
  }
}

const parentOf = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
  } catch {
    return undefined
  }
}

const commandOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ")
  } catch {
    return ""
  }
}

/** This process and its children, named by what they run. */
export const processes = (): Readonly<Record<string, number>> => {
  const out: Record<string, number> = { sync: process.pid }
  let pids: Array<number> = []
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number)
  } catch {
    return out
  }
  for (const pid of pids) {
    if (parentOf(pid) !== process.pid) continue
    const command = commandOf(pid)
    if (command.includes("nats-server")) out.nats_server = pid
    else if (command.includes("stripe-emulator")) out.emulator = pid
  }
  return out
}

export const sample = (pids: Readonly<Record<string, number>>): Usage =>
  Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, secondsOf(pid) ?? 0]))

/** CPU seconds each process used between two samples, rounded to 10 ms. */
export const between = (before: Usage, after: Usage): Usage =>
  Object.fromEntries(Object.keys(after).map((name) => [name, Math.round(((after[name] ?? 0) - (before[name] ?? 0)) * 100) / 100]))
