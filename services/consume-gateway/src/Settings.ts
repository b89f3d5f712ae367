/** The gateway's own settings (`TRIBUTARY_GATEWAY_*`); NATS and the secret key come from core `Settings`. */
import { MetricsAccess, Settings } from "@tributary/core"
import { Config, Schema } from "effect"

const integer = (name: string, min: number, max: number, fallback: number) =>
  Schema.Config(Settings.env(name), Schema.NumberFromString.pipe(Schema.int(), Schema.between(min, max)))
    .pipe(Config.withDefault(fallback))

export const gateway = Config.all({
  port: Settings.httpPort("GATEWAY_PORT", 8080),
  host: Settings.httpHost("GATEWAY_HOST"),
  maxWaiting: integer("GATEWAY_MAX_WAITING", 1, 10_000, 256),
  withholdMaxMs: integer("GATEWAY_WITHHOLD_MAX_MS", 50, 60_000, 1_000),
  /** The bearer token of `/metrics` (`TRIBUTARY_METRICS_TOKEN`); none: `/metrics` is closed. */
  metricsToken: MetricsAccess.token
})

export type GatewaySettings = Config.Config.Success<typeof gateway>
