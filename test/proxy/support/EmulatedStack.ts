/**
 * A proxy test file's usual fixture: the Stripe emulator with two accounts, a proxy in
 * front of a fresh database writing through the Stripe connector, and the file's node-pg
 * clients. Started before the file's tests (register it before hooks that need it), all
 * stopped after them.
 */
import { StripeConnector } from "@tributary/connector-stripe"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import type { TablesConfig } from "@tributary/tables"
import Stripe from "stripe"
import { afterAll, beforeAll } from "vitest"
import * as Clients from "./Clients.js"
import * as ProxyStack from "./ProxyStack.js"

export interface EmulatedStack {
  readonly stack: ProxyStack.ProxyStack
  readonly emulator: RunningEmulator
  /** The API as sync `a`'s account sees it. */
  readonly api: Stripe
  readonly clients: Clients.Clients
}

/** `tables`: the proxy's TRIBUTARY_TABLES. */
export const use = (tables: TablesConfig.TablesConfig = {}): EmulatedStack => {
  const clients = Clients.make()
  let started: Omit<EmulatedStack, "clients"> | undefined
  beforeAll(async () => {
    const emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
    const [a, b] = emulator.apiKeys
    const api = new Stripe(a!, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false })
    const stack = await ProxyStack.start(StripeConnector.make(), { url: emulator.url, keys: [a!, b!] }, undefined, {}, tables)
    started = { stack, emulator, api }
  })
  afterAll(async () => {
    await clients.endAll()
    await started?.stack.stop()
    await started?.emulator.stop()
  })
  const get = () => {
    if (started === undefined) throw new Error("the emulated stack is used before its beforeAll ran")
    return started
  }
  return {
    get stack() { return get().stack },
    get emulator() { return get().emulator },
    get api() { return get().api },
    clients
  }
}
