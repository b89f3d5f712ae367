/**
 * The benchmark's HTTP workers: node:http over a keep-alive agent, one socket per worker,
 * bodies read as one Buffer. `fetch` (undici behind WHATWG streams) costs the client several
 * times more CPU per request, and on two shared cores that CPU comes out of the gateway's.
 */
import { Agent, request } from "node:http"

export interface Response {
  readonly status: number
  readonly body: Buffer
}

export const client = (base: string, sockets: number) => {
  const url = new URL(base)
  const agent = new Agent({ keepAlive: true, maxSockets: sockets })
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<Response>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }))
        res.on("error", reject)
      })
      req.on("error", reject)
      req.end(body)
    })
  return { send, close: () => agent.destroy() }
}
