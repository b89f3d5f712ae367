/**
 * An HTTP pass-through in front of the API (the Stripe emulator) that can hold one answer:
 * `hold` arms it for the next request that matches; that request goes to the API as
 * usual, and the API's answer is kept until `release`. So a test knows, without a clock,
 * that the API has accepted a write the proxy is still waiting for, and can break
 * something (stop Postgres) before the proxy sees the answer. It also keeps every request
 * it passed on, so a test can read what the proxy sent (the emulator keeps numbers as
 * JavaScript numbers, so it cannot show a value past their precision).
 */
import { createServer, request as httpRequest } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export interface Held {
  /** Resolves once the API has answered the held request (its status and body). */
  readonly answered: Promise<{ readonly status: number; readonly body: string }>
  /** Let the answer go on to the proxy. */
  readonly release: () => void
}

/** A request as it reached the gate: its form body as the API parses it. */
export interface Passed {
  readonly method: string
  readonly path: string
  readonly form: URLSearchParams
}

export interface ApiGate {
  readonly url: string
  /** Every request passed on so far, oldest first. */
  readonly passed: ReadonlyArray<Passed>
  readonly hold: (matches: (method: string, path: string) => boolean) => Held
  readonly stop: () => Promise<void>
}

interface Armed {
  readonly matches: (method: string, path: string) => boolean
  readonly answered: (answer: { readonly status: number; readonly body: string }) => void
  readonly released: Promise<void>
}

export const start = async (target: string): Promise<ApiGate> => {
  const upstream = new URL(target)
  let armed: Armed | undefined
  const passed: Array<Passed> = []

  const pass = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Array<Buffer> = []
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
    incoming.on("end", () => {
      const method = incoming.method ?? "GET"
      const path = incoming.url ?? "/"
      passed.push({ method, path, form: new URLSearchParams(Buffer.concat(chunks).toString("utf8")) })
      const holding = armed !== undefined && armed.matches(method, path) ? armed : undefined
      if (holding !== undefined) armed = undefined
      const forwarded = httpRequest({
        host: upstream.hostname,
        port: upstream.port,
        method,
        path,
        headers: { ...incoming.headers, host: upstream.host }
      }, (answer) => {
        const body: Array<Buffer> = []
        answer.on("data", (chunk: Buffer) => body.push(chunk))
        answer.on("end", () => {
          const send = () => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
            outgoing.end(Buffer.concat(body))
          }
          if (holding === undefined) return send()
          holding.answered({ status: answer.statusCode ?? 0, body: Buffer.concat(body).toString("utf8") })
          void holding.released.then(send)
        })
      })
      forwarded.on("error", () => outgoing.destroy())
      forwarded.end(Buffer.concat(chunks))
    })
  }

  const server = createServer(pass)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    passed,
    hold: (matches) => {
      let release = () => undefined as void
      const released = new Promise<void>((resolve) => {
        release = resolve
      })
      let answered: Armed["answered"] = () => undefined
      const answer = new Promise<{ readonly status: number; readonly body: string }>((resolve) => {
        answered = resolve
      })
      armed = { matches, answered, released }
      return { answered: answer, release }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
