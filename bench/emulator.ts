/**
 * `npm run bench:emulator`: how many list pages of 100 objects per second the Stripe emulator
 * serves, so we know it never limits a sync benchmark. The emulator runs as its own process (the
 * CLI, seeded, rate limit off) and this process is the client, like a sync: keep-alive HTTP,
 * `BENCH_CONCURRENCY` walkers paging with `starting_after`, each page parsed for its cursor.
 * Prints one JSON object; `pages_per_s` is the customers scenario as the client saw it, and
 * `pages_per_emulator_cpu_s` divides by the emulator's own CPU time, which a busy shared machine
 * does not distort.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { createInterface } from "node:readline"

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 6_500)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)
const PAGE = 100

interface Started {
  readonly url: string
  readonly api_keys: ReadonlyArray<string>
  readonly seeded: ReadonlyArray<{ readonly counts: Record<string, number>; readonly events: number; readonly durationMs: number }>
}

const startEmulator = async () => {
  const child = spawn(
    process.execPath,
    ["--max-semi-space-size=64", "--import", "tsx", "packages/stripe-emulator/src/main.ts", "--port", "0", "--customers", String(CUSTOMERS), "--rate-limit", "0", "--json"],
    { stdio: ["ignore", "pipe", "inherit"] }
  )
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.once("line", resolve)
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code} before printing its URL`)))
  })
  const started = JSON.parse(firstLine) as Started
  return { started, pid: child.pid, stop: () => new Promise<void>((resolve) => { child.once("exit", () => resolve()); child.kill("SIGTERM") }) }
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

const get = (base: URL, path: string, apiKey: string): Promise<{ readonly body: string; readonly ms: number }> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const req = request({ host: base.hostname, port: base.port, path, agent, headers: { Authorization: `Bearer ${apiKey}` } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8")
        if (res.statusCode !== 200) reject(new Error(`GET ${path} → ${res.statusCode}: ${body.slice(0, 300)}`))
        else resolve({ body, ms: performance.now() - started })
      })
    })
    req.on("error", reject)
    req.end()
  })

/** Counters the walkers add to as they go. */
interface Scenario {
  pages: number
  objects: number
  bytes: number
  readonly latencies: Array<number>
}

/** CPU seconds the emulator process has used (Linux /proc), to tell its cost from the client's on a shared machine. */
const cpuSeconds = (pid: number | undefined): number => {
  if (pid === undefined) return NaN
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

/** Walkers page through `path` from the newest object to the oldest, over and over, until the deadline. */
const run = async (base: URL, apiKey: string, path: string, seconds: number, pid: number | undefined): Promise<Scenario & { readonly seconds: number; readonly serverCpu: number }> => {
  const result: Scenario = { pages: 0, objects: 0, bytes: 0, latencies: [] }
  const cpuBefore = cpuSeconds(pid)
  const started = performance.now()
  const deadline = started + seconds * 1000
  const walker = async () => {
    let cursor: string | undefined
    while (performance.now() < deadline) {
      const { body, ms } = await get(base, `${path}?limit=${PAGE}${cursor === undefined ? "" : `&starting_after=${cursor}`}`, apiKey)
      const page = JSON.parse(body) as { data: Array<{ id: string }>; has_more: boolean }
      result.pages++
      result.objects += page.data.length
      result.bytes += body.length
      result.latencies.push(ms)
      cursor = page.has_more ? page.data[page.data.length - 1]?.id : undefined
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, walker))
  return { ...result, seconds: (performance.now() - started) / 1000, serverCpu: cpuSeconds(pid) - cpuBefore }
}

const percentile = (values: Array<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 100) / 100
}

const summary = (scenario: Scenario & { readonly seconds: number; readonly serverCpu: number }) => ({
  pages_per_s: Math.round(scenario.pages / scenario.seconds),
  /** Pages per second of emulator CPU: what one free core would serve if the client cost nothing. */
  pages_per_emulator_cpu_s: Math.round(scenario.pages / scenario.serverCpu),
  objects_per_s: Math.round(scenario.objects / scenario.seconds),
  mb_per_s: Math.round(scenario.bytes / scenario.seconds / 1e5) / 10,
  p50_ms: percentile(scenario.latencies, 50),
  p99_ms: percentile(scenario.latencies, 99),
  pages: scenario.pages
})

const emulator = await startEmulator()
try {
  const base = new URL(emulator.started.url)
  const apiKey = emulator.started.api_keys[0] ?? ""
  const seeded = emulator.started.seeded[0]
  // One warm-up pass per list: the first visit of an object serializes it; later pages reuse that JSON.
  const warm = Math.max(1, SECONDS / 2)
  const scenarios: Record<string, ReturnType<typeof summary>> = {}
  for (const path of ["/v1/customers", "/v1/invoices", "/v1/events"]) {
    await run(base, apiKey, path, warm, emulator.pid)
    scenarios[path] = summary(await run(base, apiKey, path, SECONDS, emulator.pid))
  }
  const customers = scenarios["/v1/customers"]
  console.log(
    JSON.stringify(
      {
        pages_per_s: customers?.pages_per_s,
        pages_per_emulator_cpu_s: customers?.pages_per_emulator_cpu_s,
        page_size: PAGE,
        p50_ms: customers?.p50_ms,
        p99_ms: customers?.p99_ms,
        concurrency: CONCURRENCY,
        seconds_per_scenario: SECONDS,
        seed: {
          customers: CUSTOMERS,
          objects: seeded === undefined ? 0 : Object.values(seeded.counts).reduce((sum, count) => sum + count, 0),
          events: seeded?.events,
          ms: seeded?.durationMs
        },
        scenarios
      },
      null,
      2
    )
  )
} finally {
  agent.destroy()
  await emulator.stop()
}
