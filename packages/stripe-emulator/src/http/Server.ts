import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { API_VERSION } from "../ApiVersion.js"
import type { IdGenerator } from "../internal/Ids.js"
import { bodyLength } from "./Body.js"
import { fromJson, isFormObject, parseForm, type FormObject } from "./FormEncoding.js"
import type { OutgoingReply, Pipeline } from "./Pipeline.js"
import { invalidRequest } from "./StripeError.js"

/** Serves admin requests (`/_emulator/...`): JSON in, JSON out. */
export type AdminDispatch = (request: {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly authorization: string | undefined
  readonly stripeAccount: string | undefined
  readonly body: unknown
}) => Promise<OutgoingReply>

export const ADMIN_PREFIX = "/_emulator/"

export interface Listening {
  readonly server: Server
  readonly host: string
  readonly port: number
}

/**
 * Plain node:http on purpose: the list path is a lookup and a string concatenation, and any
 * framework would cost more than that.
 */
export const listen = async (host: string, port: number, pipeline: Pipeline, admin: AdminDispatch, requestIds: IdGenerator): Promise<Listening> => {
  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    handle(request, response, pipeline, admin, requestIds.requestId()).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { "Content-Type": "application/json" })
      response.end(JSON.stringify({ error: { type: "api_error", message: `Emulator transport error: ${String(error)}` } }))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  return { server, host, port: address.port }
}

const handle = async (
  request: IncomingMessage,
  response: ServerResponse,
  pipeline: Pipeline,
  admin: AdminDispatch,
  requestId: string
): Promise<void> => {
  const url = request.url ?? "/"
  const queryStart = url.indexOf("?")
  const path = queryStart < 0 ? url : url.slice(0, queryStart)
  const query = queryStart < 0 ? "" : url.slice(queryStart + 1)
  const method = request.method ?? "GET"
  const authorization = header(request, "authorization")
  const stripeAccount = header(request, "stripe-account")

  if (path.startsWith(ADMIN_PREFIX)) {
    const raw = await readBody(request)
    let body: unknown = undefined
    try {
      body = raw.length === 0 ? undefined : JSON.parse(raw)
    } catch {
      body = raw
    }
    send(response, await admin({ method, path, query: new URLSearchParams(query), authorization, stripeAccount, body }), undefined)
    return
  }

  const raw = method === "GET" ? "" : await readBody(request)
  let params: FormObject
  try {
    params = mergeParams(query, raw, header(request, "content-type"))
  } catch {
    send(response, pipeline.refuse(authorization, invalidRequest("Invalid request body: it could not be parsed as JSON."), requestId), API_VERSION)
    return
  }
  const reply = await pipeline.handle(
    {
      method,
      path,
      authorization,
      stripeAccount,
      idempotencyKey: header(request, "idempotency-key"),
      params,
      fingerprint: raw.length > 0 ? raw : query
    },
    requestId
  )
  send(response, reply, header(request, "stripe-version") ?? API_VERSION)
}

const mergeParams = (query: string, body: string, contentType: string | undefined): FormObject => {
  const fromQuery = parseForm(query)
  if (body.length === 0) return fromQuery
  let fromBody: FormObject
  if (contentType?.includes("application/json") === true) {
    const parsed = fromJson(JSON.parse(body))
    fromBody = isFormObject(parsed) ? parsed : {}
  } else {
    fromBody = parseForm(body)
  }
  return query.length === 0 ? fromBody : { ...fromQuery, ...fromBody }
}

const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

const send = (response: ServerResponse, reply: OutgoingReply, stripeVersion: string | undefined): void => {
  response.writeHead(reply.status, {
    "Content-Type": "application/json",
    "Content-Length": bodyLength(reply.body),
    ...(stripeVersion === undefined ? {} : { "Stripe-Version": stripeVersion }),
    ...reply.headers
  })
  const { body } = reply
  if (typeof body === "string" || Buffer.isBuffer(body)) {
    response.end(body)
    return
  }
  response.cork()
  for (const chunk of body.chunks) response.write(chunk)
  response.end()
}
