import { describe, expect, it } from "vitest"
import * as Child from "../src/Child.js"

const node = (script: string, timeoutMs?: number) =>
  Child.run(process.execPath, ["-e", script], timeoutMs === undefined ? {} : { timeoutMs })

describe("Child.run", () => {
  it("resolves with the exit code and everything the child printed on each stream", async () => {
    // More than a pipe holds, and more than execFile's default maxBuffer.
    const result = await node(`process.stdout.write("x".repeat(2_000_000)); console.error("err"); process.exitCode = 3`)
    expect({ ...result, stdout: result.stdout.length }).toEqual({ status: 3, signal: null, stdout: 2_000_000, stderr: "err\n" })
  })

  it("resolves with the signal when one ends the child", async () => {
    const result = await node(`process.kill(process.pid, "SIGTERM")`)
    expect(result.status).toBeNull()
    expect(result.signal).toBe("SIGTERM")
  })

  it("passes the environment and directory it is given", async () => {
    const result = await Child.run(process.execPath, ["-e", "console.log(process.env.CHILD_TEST, process.cwd())"], {
      env: { CHILD_TEST: "given" },
      cwd: "/"
    })
    expect(result.stdout).toBe("given /\n")
  })

  it("rejects, with what was printed, when the child is still running at the deadline", async () => {
    const started = Date.now()
    await expect(node(`console.log("begun"); setInterval(() => {}, 1000)`, 1_000)).rejects.toThrow(/still running after 1000 ms[\s\S]*begun/)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it("rejects when the command cannot be started", async () => {
    await expect(Child.run("/nonexistent/command", [])).rejects.toThrow(/ENOENT/)
  })
})
