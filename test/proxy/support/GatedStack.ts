/**
 * A proxy stack whose writes reach the Stripe emulator through an `ApiGate`, so a test can
 * hold the API's answer to a write (statement timeouts, cancels), and the SDK on the emulator
 * itself to look at what the API holds.
 */
import { StripeConnector } from "@tributary/connector-stripe"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import Stripe from "stripe"
import * as ApiGate from "./ApiGate.js"
import * as ProxyStack from "./ProxyStack.js"

export interface GatedStack {
  readonly emulator: RunningEmulator
  readonly gate: ApiGate.ApiGate
  readonly stack: ProxyStack.ProxyStack
  /** The emulator's API with the first sync's key, past the gate. */
  readonly api: Stripe
  readonly stop: () => Promise<void>
}

export const start = async (): Promise<GatedStack> => {
  const emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  const gate = await ApiGate.start(emulator.url)
  const [a, b] = emulator.apiKeys
  const stack = await ProxyStack.start(StripeConnector.make(), { url: gate.url, keys: [a!, b!] })
  const api = new Stripe(a!, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false })
  return {
    emulator,
    gate,
    stack,
    api,
    stop: async () => {
      await stack.stop()
      await gate.stop()
      await emulator.stop()
    }
  }
}
