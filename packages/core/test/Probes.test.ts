import { Effect, Logger, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { Probes } from "../src/index.js"

const configured = Option.some(Redacted.make("a-metrics-token-of-some-length"))
const unready = [{ component: "postgres", reason: "password authentication failed for user \"tributary\"" }]

describe("Probes", () => {
  it("says only ready or not ready without the metrics token, and why with it", () => {
    expect(Probes.answer(configured, undefined, [])).toEqual({ status: 200, body: { status: "ready" } })
    expect(Probes.answer(configured, undefined, unready)).toEqual({ status: 503, body: { status: "not ready" } })
    expect(Probes.answer(configured, "Bearer a-wrong-token-of-some-length", unready))
      .toEqual({ status: 503, body: { status: "not ready" } })
    expect(Probes.answer(Option.none(), "Bearer a-metrics-token-of-some-length", unready))
      .toEqual({ status: 503, body: { status: "not ready" } })
    expect(Probes.answer(configured, "Bearer a-metrics-token-of-some-length", unready))
      .toEqual({ status: 503, body: { status: "not ready", reasons: unready } })
  })

  it("logs readiness when it changes, not at every observation", async () => {
    const lines: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      lines.push(`${logLevel.label} ${String(Array.isArray(message) ? message.join(" ") : message)}`)
    })
    await Effect.gen(function*() {
      const log = yield* Probes.changeLog
      yield* log.observe(unready)
      yield* log.observe(unready)
      yield* log.observe([])
      yield* log.observe([])
      yield* log.observe([...unready, { component: "nats", reason: "NATS connection lost; reconnecting" }])
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Effect.runPromise)
    expect(lines).toEqual([
      `WARN not ready: postgres: ${unready[0]!.reason}`,
      "INFO ready",
      `WARN not ready: postgres: ${unready[0]!.reason}; nats: NATS connection lost; reconnecting`
    ])
  })
})
