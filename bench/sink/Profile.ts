/**
 * Optional profiles of the sink's measurement, and of nothing else:
 * `BENCH_CPU_PROFILE=file.cpuprofile`, a V8 CPU profile of this process;
 * `BENCH_PERF_DATA=file`, `perf record` of every process (Postgres and nats-server too:
 * read it with `perf report --sort comm`; run under `NODE_OPTIONS=--perf-basic-prof` for
 * Node's JavaScript frames).
 */
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { Effect } from "effect"

export interface Profile {
  readonly stop: Effect.Effect<void>
}

export const start: Effect.Effect<Profile> = Effect.promise(async (): Promise<Profile> => {
  const perfData = process.env.BENCH_PERF_DATA
  if (perfData !== undefined) {
    const perf = spawn("perf", ["record", "-a", "-g", "-e", "cpu-clock", "-F", "997", "-o", perfData], { stdio: "ignore" })
    await new Promise((resolve) => setTimeout(resolve, 500))
    return {
      stop: Effect.promise(() => {
        const exited = new Promise<void>((resolve) => perf.once("exit", () => resolve()))
        perf.kill("SIGINT")
        return exited
      })
    }
  }
  const path = process.env.BENCH_CPU_PROFILE
  if (path === undefined) return { stop: Effect.void }
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.start")
  return {
    stop: Effect.promise(async () => {
      const { profile } = await session.post("Profiler.stop")
      writeFileSync(path, JSON.stringify(profile))
      session.disconnect()
    })
  }
})
