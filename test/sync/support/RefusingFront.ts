/**
 * An HTTP front of the emulator that can answer in its place, as the emulator cannot refuse a
 * valid key's requests: it forwards, answers a Stripe-like 403 itself, or resets the connection.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export type Mode = "forward" | "refuse" | "reset"

/** An HTTP front of the emulator: forwards, answers a Stripe-like 403 itself, or resets the connection; counts what it did not forward. */
export const start = async (target: string) => {
  let mode: Mode = "forward"
  let intercepted = 0
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      if (mode !== "forward") intercepted++
      if (mode === "reset") return request.socket.destroy()
      if (mode === "refuse") {
        response.writeHead(403, { "content-type": "application/json" })
        return response.end(JSON.stringify({ error: { type: "invalid_request_error", message: "The front refuses this request." } }))
      }
      const headers = Object.fromEntries(Object.entries(request.headers).flatMap(([name, value]) =>
        typeof value === "string" && name !== "host" && name !== "content-length" ? [[name, value]] : []))
      void fetch(`${target}${request.url ?? "/"}`, {
        method: request.method ?? "GET",
        headers,
        ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) })
      }).then(async (answer) => {
        const body = Buffer.from(await answer.arrayBuffer())
        const kept = [...answer.headers].filter(([name]) => !["content-encoding", "content-length", "transfer-encoding", "connection"].includes(name))
        response.writeHead(answer.status, Object.fromEntries(kept))
        response.end(body)
      }, () => request.socket.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (next: Mode) => {
      mode = next
    },
    intercepted: () => intercepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

export type RefusingFront = Awaited<ReturnType<typeof start>>
