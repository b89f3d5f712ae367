/**
 * The two routes a worker calls for every batch — `GET /v1/consumers/{name}/next` and
 * `POST /v1/consumers/{name}/ack` — answered straight from Node's `request` event.
 *
 * Why: Effect's HTTP server costs about 150–200 µs of CPU per request more than Node's own
 * (a fiber, a scope and the platform's request and response wrappers per request), and in
 * `bench:gateway` (batch 100) serving these two routes through it cost the gateway a third
 * of its CPU per message; the gateway's one thread is what limits its throughput
 * (docs/gateway.md, Performance).
 *
 * What does not change: the same Schemas decode the path, the query and the body, the same
 * token cache authenticates, the engine does the work, errors have the bodies, statuses and
 * headers the HttpApi gives them, and the same metrics count the requests. Whatever this
 * path does not take on its own — another route or method, a token the cache has no fresh
 * "valid" for, a name or query that does not decode, an ack body that is not JSON by its
 * content type — goes on to the HttpApi untouched (nothing has been read from it yet).
 * `/openapi.json` documents these routes as before.
 */
import { Server } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpApiSchema } from "@effect/platform"
import { BearerAuthorization } from "@tributary/core"
import { Effect, Either, ParseResult, Schema } from "effect"
import * as Metrics from "../observability/Metrics.js"
import * as Auth from "./Auth.js"
import type { Replica } from "./Context.js"
import { fromEngine, retryAfter } from "./Convert.js"
import { InvalidRequest, JetStreamRefused, MethodNotAllowed, NotFound, StaleAckTokens, Unauthorized, Unavailable } from "./Errors.js"
import { AckRequest, ConsumerPath, NextParams } from "./Schemas.js"
import * as UnknownRoutes from "./UnknownRoutes.js"
import * as Validation from "./Validation.js"

const PREFIX = "/v1/consumers/"
const JSON_TYPE = { "content-type": "application/json" }

const decodeName = Schema.decodeUnknownEither(ConsumerPath)
const decodeNext = Schema.decodeUnknownEither(NextParams)
const decodeAck = Schema.decodeUnknownEither(AckRequest)

type Failure = ReturnType<typeof fromEngine>

/** When a request was taken, and the labels of its series as it arrived (`Metrics.requestLabels`). */
interface Arrival {
  readonly started: number
  readonly labels: Metrics.RequestLabels
}

/** `/v1/consumers/<name>/<action>` with a plain (not percent-encoded) name, or `undefined`. */
const route = (path: string): { readonly name: string; readonly action: string } | undefined => {
  if (!path.startsWith(PREFIX)) return undefined
  const cut = path.indexOf("/", PREFIX.length)
  if (cut < 0 || path.includes("%")) return undefined
  return { name: path.slice(PREFIX.length, cut), action: path.slice(cut + 1) }
}

/** The query as the HttpApi sees it, or `undefined` when a key repeats (left to the HttpApi to refuse). */
const queryOf = (search: string): Record<string, string> | undefined => {
  const out: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(search)) {
    if (key in out) return undefined
    out[key] = value
  }
  return out
}

const readBody = (req: IncomingMessage): Promise<Buffer | "too large"> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= Validation.MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on("end", () => resolve(size > Validation.MAX_BODY_BYTES ? "too large" : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on("error", reject)
    // The client hung up before the end of its body.
    req.on("close", () => {
      if (!req.complete) reject(new Error("request aborted"))
    })
  })

export class HotRoutes {
  constructor(private readonly replica: Replica) {}

  /** Take the request (and answer it), or return `false` to leave it to the HttpApi. */
  take(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? ""
    const query = url.indexOf("?")
    if (Number(req.headers["content-length"] ?? 0) > Validation.MAX_BODY_BYTES) {
      this.refuseAfterToken(req, res, Validation.bodyTooLarge())
      return true
    }
    if (req.method === "HEAD" && UnknownRoutes.refusesHead(query < 0 ? url : url.slice(0, query))) {
      this.refuseAfterToken(req, res, UnknownRoutes.methodNotAllowed("HEAD", query < 0 ? url : url.slice(0, query)))
      return true
    }
    const target = route(query < 0 ? url : url.slice(0, query))
    if (target === undefined) return false
    const isNext = target.action === "next" && req.method === "GET"
    const isAck = target.action === "ack" && req.method === "POST"
    if (!isNext && !isAck) return false
    if (this.replica.tokens.cached(BearerAuthorization.tokenOf(req.headers.authorization) ?? "") !== true) return false
    const name = decodeName({ name: target.name })
    if (Either.isLeft(name)) return false
    const arrival: Arrival = { started: performance.now(), labels: Metrics.requestLabels(url, this.replica.knownConsumer) }
    if (isNext) {
      const params = queryOf(query < 0 ? "" : url.slice(query + 1))
      const decoded = params === undefined ? undefined : decodeNext(params)
      if (decoded === undefined || Either.isLeft(decoded)) return false
      this.next(res, name.right.name, decoded.right, arrival)
      return true
    }
    const type = (req.headers["content-type"] ?? "application/json").toLowerCase()
    if (!type.includes("application/json")) return false
    this.ack(req, res, name.right.name, arrival)
    return true
  }

  private next(res: ServerResponse, name: string, params: typeof NextParams.Type, arrival: Arrival) {
    const aborted = new AbortController()
    res.on("close", () => {
      if (!res.writableEnded) aborted.abort()
    })
    this.replica.engine.next(name, params.batch_size, params.wait_for, aborted.signal).then(
      (body) => this.send(res, "GET", arrival, 200, { ...JSON_TYPE, "content-length": String(body.length) }, body),
      (error: unknown) => this.fail(res, "GET", arrival, fromEngine(error))
    )
  }

  private ack(req: IncomingMessage, res: ServerResponse, name: string, arrival: Arrival) {
    readBody(req).then((body) => {
      if (body === "too large") {
        return this.fail(res, "POST", arrival, Validation.bodyTooLarge())
      }
      let json: unknown
      try {
        // An empty body is `null`, as the HttpApi reads it.
        json = body.length === 0 ? null : JSON.parse(body.toString("utf8"))
      } catch (error) {
        return this.fail(res, "POST", arrival, Validation.unreadableBody(error))
      }
      const decoded = decodeAck(json)
      if (Either.isLeft(decoded)) {
        const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
        return this.fail(res, "POST", arrival, Validation.invalidRequest(issues, decoded.left.message))
      }
      return this.replica.engine.ack(name, decoded.right.ack_tokens).then(
        () => this.send(res, "POST", arrival, 204, {}, undefined),
        (error: unknown) => this.fail(res, "POST", arrival, fromEngine(error))
      )
    }, () => res.destroy())
  }

  /**
   * A request refused whatever its route, once its token is checked, as everywhere (401 without a
   * valid one): its body discarded unread.
   *
   * - A body declared larger than any route reads. The HttpApi reads a body only up to the limit
   *   and then destroys the request's stream, which closes the connection with no answer: fine
   *   against a body that does not say its length, not as the answer.
   * - `HEAD` of `next` (`UnknownRoutes.refusesHead`), which the HttpApi's router would run as a
   *   `GET`, taking a batch that the answer without its body loses until its ack wait.
   */
  private refuseAfterToken(req: IncomingMessage, res: ServerResponse,
    refusal: InvalidRequest | { readonly error: MethodNotAllowed; readonly allow: string }) {
    req.resume()
    const method = req.method ?? ""
    const arrival: Arrival = { started: performance.now(), labels: Metrics.requestLabels(req.url ?? "", this.replica.knownConsumer) }
    Effect.runPromise(Effect.either(Auth.authenticate(this.replica.tokens, req.headers.authorization))).then((auth) => {
      if (Either.isRight(auth)) {
        return refusal instanceof InvalidRequest
          ? this.fail(res, method, arrival, refusal)
          : this.sendJson(res, method, arrival, statusOf(MethodNotAllowed), { allow: refusal.allow },
            Schema.encodeSync(MethodNotAllowed)(refusal.error))
      }
      const refused = auth.left
      return refused._tag === "Unauthorized"
        ? this.sendJson(res, method, arrival, statusOf(Unauthorized), {}, Schema.encodeSync(Unauthorized)(refused))
        : this.fail(res, method, arrival, refused)
    })
  }

  private fail(res: ServerResponse, method: string, arrival: Arrival, error: Failure) {
    if (error._tag === "TooManyRequests") {
      const { body, headers } = retryAfter(error)
      return this.sendJson(res, method, arrival, 429, headers, body)
    }
    switch (error._tag) {
      case "InvalidRequest":
        return this.sendJson(res, method, arrival, statusOf(InvalidRequest), {}, Schema.encodeSync(InvalidRequest)(error))
      case "NotFound":
        return this.sendJson(res, method, arrival, statusOf(NotFound), {}, Schema.encodeSync(NotFound)(error))
      case "StaleAckTokens":
        return this.sendJson(res, method, arrival, statusOf(StaleAckTokens), {}, Schema.encodeSync(StaleAckTokens)(error))
      case "Unavailable":
        return this.sendJson(res, method, arrival, statusOf(Unavailable), {}, Schema.encodeSync(Unavailable)(error))
      case "JetStreamRefused":
        return this.sendJson(res, method, arrival, statusOf(JetStreamRefused), {}, Schema.encodeSync(JetStreamRefused)(error))
    }
  }

  private sendJson(res: ServerResponse, method: string, arrival: Arrival, status: number, headers: Record<string, string>, body: unknown) {
    const bytes = Buffer.from(JSON.stringify(body))
    this.send(res, method, arrival, status, { ...headers, ...JSON_TYPE, "content-length": String(bytes.length) }, bytes)
  }

  private send(res: ServerResponse, method: string, arrival: Arrival, status: number, headers: Record<string, string>, body: Uint8Array | undefined) {
    if (res.writableEnded || res.destroyed) return
    res.writeHead(status, headers)
    res.end(body)
    const { route, consumer } = Metrics.recheck(arrival.labels, res.req.url ?? "", this.replica.knownConsumer)
    this.replica.metrics.requests.inc({ method, route, consumer, status: String(status) })
    this.replica.metrics.latency.observe({ method, route, consumer }, (performance.now() - arrival.started) / 1000)
  }
}

const statusOf = (schema: Schema.Schema.Any): number => HttpApiSchema.getStatusErrorAST(schema.ast)

/** A Node HTTP server that offers every request to the hot routes before the HttpApi's handler sees it. */
export class GatewayServer extends Server {
  constructor(private readonly hot: HotRoutes) {
    super()
  }

  override emit(event: string, ...args: Array<unknown>): boolean {
    if (event === "request" && this.hot.take(args[0] as IncomingMessage, args[1] as ServerResponse)) return true
    return super.emit(event, ...args)
  }
}
