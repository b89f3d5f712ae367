/** What the HTTP handlers of one replica share: the consume engine, bearer tokens, metrics and readiness. */
import { Context } from "effect"
import type { Option, Redacted } from "effect"
import type { Engine } from "../delivery/Engine.js"
import type { Metrics } from "../observability/Metrics.js"
import type { BearerTokens } from "./BearerTokens.js"

export interface Replica {
  readonly engine: Engine
  readonly tokens: BearerTokens
  readonly metrics: Metrics
  /** Whether the replica's consumer cache holds `name` now: request metrics label only those by name. */
  readonly knownConsumer: (name: string) => boolean
  /** Who may read `/metrics` (core's `MetricsAccess`). */
  readonly metricsToken: Option.Option<Redacted.Redacted<string>>
  /** Why the replica cannot serve right now, or `undefined` when it can. */
  readonly notReady: () => string | undefined
}

export class GatewayReplica extends Context.Tag("@tributary/consume-gateway/GatewayReplica")<GatewayReplica, Replica>() {}
