/**
 * A CancelRequest (psql's Ctrl-C, JDBC's Statement.cancel()) for a session whose write
 * waits on the API ends the write as Postgres ends a canceled statement: ERROR 57014,
 * "canceling statement due to user request", nothing applied to Postgres, the connection
 * usable. As with the session's statement_timeout (WriteStatementTimeout.test.ts), the
 * API had the request and may still have taken it (here it has: the gate holds only its
 * answer). node-postgres has no cancel of its own in every version, so the 16-byte
 * CancelRequest goes on a socket of the test's own, with the BackendKeyData the client got.
 */
import { connect as connectTcp } from "node:net"
import { Fixtures } from "@tributary/testkit"
import type pg from "pg"
import type Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type * as ApiGate from "./support/ApiGate.js"
import * as BackendKey from "./support/BackendKey.js"
import * as Clients from "./support/Clients.js"
import * as GatedStack from "./support/GatedStack.js"
import { failure } from "./support/Failure.js"
import * as ProxyStack from "./support/ProxyStack.js"
import * as ServiceProcess from "./support/ServiceProcess.js"

/** The service process's API timeout: long, so only the cancel can end its writes' waits. */
const SERVICE_API_TIMEOUT_MS = 20_000

let gated: GatedStack.GatedStack
let gate: ApiGate.ApiGate
let stack: ProxyStack.ProxyStack
let api: Stripe
const clients = Clients.make()

beforeAll(async () => {
  gated = await GatedStack.start()
  ;({ gate, stack, api } = gated)
})

afterAll(async () => {
  await clients.endAll()
  await gated?.stop()
})

/** The next customer created: the API takes it, its answer is held. */
const holdCustomer = () => gate.hold((method, path) => method === "POST" && path.startsWith("/v1/customers"))


/** A CancelRequest on a connection of its own; resolves once the proxy has closed it. */
const cancelRequest = (port: number, processId: number, secret: number) =>
  new Promise<void>((resolve, reject) => {
    const packet = Buffer.alloc(16)
    packet.writeInt32BE(16, 0)
    packet.writeInt32BE(80877102, 4)
    packet.writeInt32BE(processId, 8)
    packet.writeInt32BE(secret, 12)
    const socket = connectTcp({ host: "127.0.0.1", port }, () => socket.end(packet))
    socket.once("error", reject)
    socket.once("close", () => resolve())
  })

const cancel = (port: number, client: pg.Client) => {
  const key = BackendKey.of(client)
  return cancelRequest(port, key.processId, key.secret)
}

const rowsWithEmail = async (client: pg.Client, email: string) =>
  (await client.query<{ email: string }>("select email from stripe.customers where email = $1", [email])).rows.map((row) => row.email)

/** Cancels `client`'s write once the API has answered it (held), and what the write answered, how soon. */
const cancelHeldWrite = async (port: number, client: pg.Client, writing: Promise<pg.DatabaseError>, held: ApiGate.Held) => {
  const answer = await held.answered
  const sentAt = performance.now()
  await cancel(port, client)
  const error = await writing
  const elapsedMs = performance.now() - sentAt
  held.release()
  return { error, elapsedMs, answer }
}

describe("a CancelRequest for a session whose write waits on the API", () => {
  it("ends the write with 57014 at once, nothing applied, the connection usable", async () => {
    const client = await clients.connect(stack.a.url)
    const held = holdCustomer()
    const writing = failure(client.query("insert into stripe.customers (email) values ('cancel-simple@x.co')"))
    const { error, elapsedMs, answer } = await cancelHeldWrite(stack.port, client, writing, held)
    expect(error.severity).toBe("ERROR")
    expect(error.code).toBe("57014")
    expect(error.message).toBe("canceling statement due to user request")
    expect(error.detail).toMatch(/may have been applied/)
    expect(error.hint).toMatch(/Do not retry blindly/)
    // Not the proxy's API timeout (58000, after API_TIMEOUT_MS): the cancel ended the wait.
    expect(elapsedMs).toBeLessThan(ProxyStack.API_TIMEOUT_MS)
    // The API took it: the row arrives with the sync, never through the canceled write.
    expect(answer.status).toBe(200)
    expect(await rowsWithEmail(client, "cancel-simple@x.co")).toEqual([])
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("aborts the client's block, in the extended protocol", async () => {
    const client = await clients.connect(stack.a.url)
    await client.query("begin")
    const held = holdCustomer()
    const writing = failure(client.query("insert into stripe.customers (email) values ($1)", ["cancel-block@x.co"]))
    const { error } = await cancelHeldWrite(stack.port, client, writing, held)
    expect(error.code).toBe("57014")
    expect(error.message).toBe("canceling statement due to user request")
    expect((await failure(client.query("select 1"))).code).toBe("25P02")
    await client.query("rollback")
    expect(await rowsWithEmail(client, "cancel-block@x.co")).toEqual([])
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("does nothing with a wrong secret, as Postgres: the write goes on and is applied", async () => {
    const client = await clients.connect(stack.a.url)
    const held = holdCustomer()
    const writing = client.query("insert into stripe.customers (email) values ('cancel-wrong@x.co') returning email")
    await held.answered
    // Taken (or ignored) by the time the proxy has closed the cancel's connection.
    await cancelRequest(stack.port, BackendKey.of(client).processId, BackendKey.of(client).secret ^ 1)
    held.release()
    expect((await writing).rows).toEqual([{ email: "cancel-wrong@x.co" }])
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("cuts the rows' query short and sends nothing when it arrives before the API call", async () => {
    const client = await clients.connect(stack.a.url)
    const observer = await clients.connect(stack.ownerUrl)
    // Far longer than the test waits: only a cancel that reaches the query ends it in time.
    const writing = failure(client.query("insert into stripe.customers (email) select 'cancel-early@x.co' from pg_sleep(30)"))
    await Fixtures.waitFor("the write's rows being found", async () => {
      const { rowCount } = await observer.query(
        "select 1 from pg_stat_activity where state = 'active' and query like '%cancel-early@x.co%' and pid <> pg_backend_pid()"
      )
      return rowCount === 1 ? true : undefined
    }, { timeoutMs: 10_000, intervalMs: 20 })
    const sentAt = performance.now()
    await cancel(stack.port, client)
    const error = await writing
    expect(performance.now() - sentAt).toBeLessThan(10_000)
    expect(error.code).toBe("57014")
    expect(error.message).toBe("canceling statement due to user request")
    expect(error.hint).toMatch(/Nothing was written/)
    expect((await api.customers.list({ email: "cancel-early@x.co", limit: 100 })).data).toEqual([])
    expect(await rowsWithEmail(client, "cancel-early@x.co")).toEqual([])
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })
})

describe("with two worker processes", () => {
  let service: ServiceProcess.Replica | undefined
  let port: number

  beforeAll(async () => {
    service = await ServiceProcess.startWorkers(stack.serviceEnv, 2, { TRIBUTARY_PROXY_API_TIMEOUT_MS: String(SERVICE_API_TIMEOUT_MS) })
    port = service.port
  })

  afterAll(async () => {
    await ServiceProcess.stop(service?.child)
  })

  it("ends the write whichever worker the CancelRequest lands on", async () => {
    const url = Object.assign(new URL(stack.a.url), { port: String(port) }).toString()
    // The primary hands connections to the workers in turn: these two sessions are on
    // different workers, and each cancel below most likely lands on the worker of the
    // session it is not for. Wherever it lands, it must end the write.
    const first = await clients.connect(url)
    const second = await clients.connect(url)
    for (const [client, email] of [[second, "cancel-w2@x.co"], [first, "cancel-w1@x.co"]] as const) {
      const held = holdCustomer()
      const writing = failure(client.query("insert into stripe.customers (email) values ($1)", [email]))
      const { error, elapsedMs } = await cancelHeldWrite(port, client, writing, held)
      expect(error.code).toBe("57014")
      expect(error.message).toBe("canceling statement due to user request")
      expect(elapsedMs).toBeLessThan(SERVICE_API_TIMEOUT_MS / 2)
      expect(await rowsWithEmail(client, email)).toEqual([])
      expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
    }
  })
})

describe("with two replicas", () => {
  // Behind a load balancer a CancelRequest lands on any replica, most likely not the one
  // holding the session: replica A is the test's own proxy, B a service process on the same NATS.
  let replicaB: ServiceProcess.Replica | undefined

  beforeAll(async () => {
    replicaB = await ServiceProcess.startWorkers(stack.serviceEnv, 1, { TRIBUTARY_PROXY_API_TIMEOUT_MS: String(SERVICE_API_TIMEOUT_MS) })
  })

  afterAll(async () => {
    await ServiceProcess.stop(replicaB?.child)
  })

  it("ends a write on replica A from a CancelRequest sent to replica B", async () => {
    const client = await clients.connect(stack.a.url)
    const held = holdCustomer()
    const writing = failure(client.query("insert into stripe.customers (email) values ('cancel-replica@x.co')"))
    const { error } = await cancelHeldWrite(replicaB!.port, client, writing, held)
    expect(error.code).toBe("57014")
    expect(error.message).toBe("canceling statement due to user request")
    expect(await rowsWithEmail(client, "cancel-replica@x.co")).toEqual([])
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("cancels a read upstream on replica B from a CancelRequest sent to replica A", async () => {
    const url = Object.assign(new URL(stack.a.url), { port: String(replicaB!.port) }).toString()
    const client = await clients.connect(url)
    const owner = await clients.connect(stack.ownerUrl)
    const reading = failure(client.query("select pg_sleep(30)"))
    await Fixtures.waitFor("the read running upstream", async () => {
      const running = await owner.query("select 1 from pg_stat_activity where query = 'select pg_sleep(30)' and state = 'active'")
      return running.rowCount === 1 ? true : undefined
    })
    await cancel(stack.port, client)
    const error = await reading
    expect(error.code).toBe("57014")
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })
})
