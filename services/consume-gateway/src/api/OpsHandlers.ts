/** `/healthz` (the process answers), `/readyz` (NATS is connected) and `/metrics`. */
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { GatewayApi } from "./Api.js"
import { GatewayReplica } from "./Context.js"
import { Unavailable } from "./Errors.js"

export const layer = HttpApiBuilder.group(GatewayApi, "ops", (handlers) =>
  Effect.gen(function*() {
    const replica = yield* GatewayReplica
    return handlers
      .handle("healthz", () => Effect.succeed({ status: "ok" }))
      .handle("readyz", () => {
        const reason = replica.notReady()
        return reason === undefined ? Effect.succeed({ status: "ready" }) : Effect.fail(new Unavailable({ message: reason }))
      })
      .handle("metrics", () => Effect.promise(() => replica.metrics.registry.metrics()))
  }))
