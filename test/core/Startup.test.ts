/**
 * Bad configuration stops a process at start-up with a message naming the variable,
 * and never echoes a secret.
 */
import { createServer } from "node:net"
import type { Socket } from "node:net"
import { Env, Main, Settings } from "@tributary/core"
import { Child, Ports, Startup } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Config, Effect, Exit } from "effect"

const cli = (env: Record<string, string>, ...args: ReadonlyArray<string>) => Startup.run("packages/cli/src/main.ts", env, ...args)
const startCli = (env: Record<string, string>) => cli(env, "provision")

const failureOf = <A>(config: Config.Config<A>, env: Record<string, string>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Effect.provide(config, Env.layer(env)))
    if (Exit.isSuccess(exit)) return yield* Effect.die("expected the configuration to be refused")
    return Main.describeFailure(exit.cause)
  })

describe("start-up configuration", () => {
  it("a process with an invalid value exits non-zero, naming the variable", async () => {
    const result = await startCli({ TRIBUTARY_NATS_URL: "http://localhost:4222" })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("TRIBUTARY_NATS_URL")
    expect(result.stderr).toContain("must be a URL starting with nats://")
  })

  it("a NATS URL where no server listens says which URL, and how to name another", async () => {
    const url = `nats://127.0.0.1:${await Ports.freePort()}`
    const result = await startCli({ TRIBUTARY_NATS_URL: url })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(url)
    expect(result.stderr).toContain("TRIBUTARY_NATS_URL")
    expect(result.stderr).toContain(". .tributary/env")
  })

  it("a NATS URL where a server that never speaks NATS listens fails within seconds, saying so, and the process exits", async () => {
    // A port of something else that accepts and stays silent (a service's HTTP port, a proxy):
    // nats.js waits out its connect timeout, then leaves that socket open.
    const accepted = new Set<Socket>()
    const silent = createServer((socket) => accepted.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const address = silent.address()
    const url = `nats://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
    try {
      const result = await Child.run(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", "provision"], {
        env: { PATH: process.env.PATH ?? "", TRIBUTARY_NATS_URL: url },
        // tsx's start-up and the CLI's connect timeout (5 s), with room for a loaded machine.
        timeoutMs: 25_000
      })
      expect(result.status, result.stderr).toBe(1)
      expect(result.stderr).toContain(url)
      expect(result.stderr).toContain("no NATS server answered")
      expect(result.stderr).toContain("TRIBUTARY_NATS_URL")
    } finally {
      for (const socket of accepted) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  }, 40_000)

  it("a process with a malformed namespace exits non-zero, naming the variable", async () => {
    const result = await startCli({ TRIBUTARY_NAMESPACE: "Has Spaces" })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("TRIBUTARY_NAMESPACE")
  })

  it("tributary syncs create names a bad NATS URL and a short secret key in one message", async () => {
    const result = await cli({ TRIBUTARY_NATS_URL: "http://x", TRIBUTARY_SECRET_KEY: "short-secret" }, "syncs", "create", "--api-key", "sk_test_x")
    Startup.expectRefused(result, ["NATS_URL", "SECRET_KEY"], ["short-secret"])
  })

  it("tributary verify names every bad variable it reads (NATS, Postgres, secret key, tables) in one message", async () => {
    const result = await cli({
      TRIBUTARY_NATS_URL: "http://x",
      TRIBUTARY_POSTGRES_URL: "mysql://user:hunter2@db/x",
      TRIBUTARY_SECRET_KEY: "short-secret",
      TRIBUTARY_TABLES: "{"
    }, "verify", "--sync", "sync_1")
    Startup.expectRefused(result, ["NATS_URL", "POSTGRES_URL", "SECRET_KEY", "TABLES"], ["hunter2", "short-secret"], 2)
  })

  it.effect("a missing required value is named", () =>
    Effect.gen(function*() {
      const message = yield* failureOf(Settings.postgres, {})
      expect(message).toContain("TRIBUTARY_POSTGRES_URL")
    }))

  it.effect("every bad value is reported at once, and a secret is never echoed", () =>
    Effect.gen(function*() {
      const message = yield* failureOf(Config.all([Settings.postgres, Settings.secretKey]), {
        TRIBUTARY_POSTGRES_URL: "mysql://user:hunter2@db/x",
        TRIBUTARY_SECRET_KEY: "too-short-secret"
      })
      expect(message).toContain("TRIBUTARY_POSTGRES_URL")
      expect(message).toContain("TRIBUTARY_SECRET_KEY")
      expect(message).toContain("at least 32 characters")
      expect(message).not.toContain("hunter2")
      expect(message).not.toContain("too-short-secret")
    }))

  it.effect("a non-numeric pool size is named", () =>
    Effect.gen(function*() {
      const message = yield* failureOf(Settings.postgres, {
        TRIBUTARY_POSTGRES_URL: "postgres://localhost/x",
        TRIBUTARY_POSTGRES_POOL_SIZE: "ten"
      })
      expect(message).toContain("TRIBUTARY_POSTGRES_POOL_SIZE")
    }))
})
