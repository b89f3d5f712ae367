/**
 * The consume API. `next` answers with bytes the engine assembled (message bodies are copied
 * as published, never parsed and re-encoded); the declared `NextResponse` schema documents them.
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { GatewayApi } from "./Api.js"
import { GatewayReplica } from "./Context.js"
import { engine, retryAfter } from "./Convert.js"

const decoder = new TextDecoder()

const parsed = (data: Uint8Array): unknown => {
  try {
    return JSON.parse(decoder.decode(data))
  } catch {
    return decoder.decode(data)
  }
}

export const layer = HttpApiBuilder.group(GatewayApi, "consume", (handlers) =>
  Effect.gen(function*() {
    const replica = yield* GatewayReplica
    const next = ({ path, urlParams }: { path: { name: string }; urlParams: { batch_size: number; wait_for: number } }) =>
      engine((signal) => replica.engine.next(path.name, urlParams.batch_size, urlParams.wait_for, signal)).pipe(
        Effect.map((body) => HttpServerResponse.uint8Array(body, { contentType: "application/json" })),
        // 429 carries `Retry-After`, which an error schema cannot set.
        Effect.catchTag("TooManyRequests", (error) => {
          const { body, headers } = retryAfter(error)
          return Effect.orDie(HttpServerResponse.json(body, { status: 429, headers }))
        })
      )
    return handlers
      .handle("next", next)
      .handle("nextPost", next)
      .handle("ack", ({ path, payload }) => engine(() => replica.engine.ack(path.name, payload.ack_tokens)))
      .handle("nack", ({ path, payload }) =>
        engine(() => replica.engine.nack(path.name, payload.ack_tokens, payload.delay_ms)))
      .handle("progress", ({ path, payload }) => engine(() => replica.engine.progress(path.name, payload.ack_tokens)))
      .handle("deadLetters", ({ path, urlParams }) =>
        engine(() => replica.engine.deadLetters(path.name, urlParams.after, urlParams.limit)).pipe(
          Effect.map(({ source, letters }) => ({
            data: letters.map((letter) => ({
              seq: letter.seq,
              subject: letter.subject,
              attempts: letter.attempts,
              dead_lettered_at: letter.dead_lettered_at,
              [source === "records" ? "record" : "event"]: parsed(letter.data)
            })),
            next_after: letters.length === urlParams.limit ? letters[letters.length - 1]!.seq : null
          }))
        ))
      .handle("redrive", ({ path, payload }) =>
        engine(() => replica.engine.redrive(path.name, payload?.limit ?? 10_000)).pipe(
          Effect.map((redriven) => ({ redriven }))
        ))
  }))
