/** The Stripe emulator in a process of its own, as `npm run bench:sync` runs it. */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"

export interface Started {
  readonly url: string
  readonly api_keys: ReadonlyArray<string>
  readonly seeded: ReadonlyArray<{ readonly counts: Record<string, number>; readonly events: number; readonly durationMs: number }>
}

export const start = async (customers: number) => {
  const child = spawn(
    process.execPath,
    ["--max-semi-space-size=64", "--import", "tsx", "packages/stripe-emulator/src/main.ts", "--port", "0", "--customers", String(customers), "--rate-limit", "0", "--json"],
    { stdio: ["ignore", "pipe", "inherit"] }
  )
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve)
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code} before printing its URL`)))
  })
  const started = JSON.parse(firstLine) as Started
  return {
    started,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
  }
}
