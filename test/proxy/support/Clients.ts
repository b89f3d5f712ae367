/** node-pg clients a test file opens, closed together at its end. */
import pg from "pg"

export interface Clients {
  readonly connect: (url: string) => Promise<pg.Client>
  readonly endAll: () => Promise<void>
}

export const make = (): Clients => {
  const open: Array<pg.Client> = []
  return {
    connect: async (url) => {
      const client = new pg.Client({ connectionString: url })
      // A client the proxy or a test cuts off must not crash the run.
      client.on("error", () => undefined)
      await client.connect()
      open.push(client)
      return client
    },
    endAll: async () => {
      await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)))
    }
  }
}
