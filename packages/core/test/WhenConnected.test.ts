/**
 * `Nats.whenConnected`, the rule by which the services' requests meet a lost connection, as
 * pure logic over the connection's state (core's `ConnectionState`): only `unusable`,
 * `connected` and `onLost` of the client are used, so a client of that state stands in for
 * nats.js here (the behaviour against a real nats-server restart is
 * `test/sync/NatsReconnect.test.ts`).
 */
import { describe, expect, it } from "vitest"
import * as Nats from "../src/Nats.js"

/** A connection whose losses and reconnects the test makes, through core's own `ConnectionState`. */
const connection = () => {
  const state = new Nats.ConnectionState()
  let listening = 0
  const client = {
    unusable: () => (state.lost ? Nats.CONNECTION_LOST : undefined),
    connected: state.connected,
    onLost: (listener: () => void) => {
      listening++
      const stop = state.onLost(listener)
      return () => {
        listening--
        stop()
      }
    }
  } as unknown as Nats.NatsClient
  return {
    client,
    listening: () => listening,
    lose: () => state.lose(),
    reconnect: () => state.reconnect()
  }
}

describe("Nats.whenConnected", () => {
  it("sends at once while connected, and stops listening for a loss once answered", async () => {
    const conn = connection()
    let sent = 0
    expect(await Nats.whenConnected(conn.client, async () => ++sent)).toBe(1)
    expect(conn.listening()).toBe(0)
  })

  it("holds a request made while the connection is lost until the reconnect, then sends it", async () => {
    const conn = connection()
    conn.lose()
    let sent = false
    const answer = Nats.whenConnected(conn.client, async () => {
      sent = true
      return "answered"
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(sent).toBe(false)
    conn.reconnect()
    expect(await answer).toBe("answered")
    expect(sent).toBe(true)
  })

  it("fails a request the connection does not come back for within its time, as timed out, without sending it", async () => {
    const conn = connection()
    conn.lose()
    let sent = false
    const failure = await Nats.whenConnected(conn.client, async () => {
      sent = true
    }, 20).then(() => undefined, (error: unknown) => error)
    expect(failure).toBeInstanceOf(Nats.ConnectionLost)
    expect((failure as Nats.ConnectionLost).timedOut).toBe(true)
    expect(Nats.toNatsError("a request")(failure).timedOut).toBe(true)
    expect(sent).toBe(false)
  })

  it("fails a request waiting for its answer at once when the connection goes: the answer is lost with it", async () => {
    const conn = connection()
    const never = new Promise<string>(() => {})
    const answer = Nats.whenConnected(conn.client, () => never).then(() => undefined, (error: unknown) => error)
    await new Promise((resolve) => setImmediate(resolve))
    conn.lose()
    const failure = await answer
    expect(failure).toBeInstanceOf(Nats.ConnectionLost)
    expect((failure as Nats.ConnectionLost).timedOut).toBe(false)
  })
})
