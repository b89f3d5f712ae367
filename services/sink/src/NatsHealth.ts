/**
 * The NATS end of `/readyz`: the sink is ready only while it is connected and its durable
 * consumer answers. Two parts of the sink (`Parts`) watch it:
 *
 * - the connection watch: a lost connection makes the sink not ready at once (nats.js
 *   reconnects by itself, and the reader pulls again when it has);
 * - the consumer probe, every 2 s: a consumer info request, which goes where the reader's
 *   pulls go (the consumer's leader). It catches what the connection does not show: a
 *   server that hangs with the connection open (nats.js would notice only after minutes of
 *   missed pings), JetStream not answering, the consumer or its stream gone. Its success
 *   is what makes the sink ready again, and it keeps the pending-messages gauge current.
 */
import type { Consumer } from "@nats-io/jetstream"
import { Nats } from "@tributary/core"
import { Duration, Effect, Schedule } from "effect"
import type { Scope } from "effect"
import type { SinkMetrics } from "./Metrics.js"
import type { Parts } from "./Parts.js"
import type { ReadinessService } from "./Readiness.js"

const PROBE_EVERY = Duration.seconds(2)
/** Far longer than a consumer info takes on a server that works, well under the probe's period plus a pull's. */
const PROBE_TIMEOUT = Duration.seconds(3)

export const start = (
  consumer: Consumer,
  consumerName: string,
  parts: Parts,
  readiness: ReadinessService,
  metrics: SinkMetrics
): Effect.Effect<void, never, Nats.Nats | Scope.Scope> =>
  Effect.gen(function*() {
    const { nc } = yield* Nats.Nats
    let connected = true

    yield* parts.forever("the NATS connection watch", Effect.promise(async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") {
          connected = false
          Effect.runSync(readiness.notReady("nats", Nats.CONNECTION_LOST))
        } else if (status.type === "reconnect") {
          connected = true
        }
      }
    }))

    const probe = Nats.tryNats(`consumer info ${consumerName}`, () => consumer.info(false)).pipe(
      Effect.timeoutFail({
        duration: PROBE_TIMEOUT,
        onTimeout: () => new Error(`no answer within ${Duration.toMillis(PROBE_TIMEOUT)} ms`)
      }),
      Effect.matchEffect({
        onSuccess: (info) =>
          Effect.zipRight(
            Effect.sync(() => metrics.pending.set(info.num_pending)),
            // An answer that crossed a disconnect does not make the sink ready.
            connected ? readiness.ready("nats") : Effect.void
          ),
        // While disconnected, the connection watch has said why already.
        onFailure: (error) =>
          connected
            ? readiness.notReady("nats", `NATS: the durable consumer ${consumerName} cannot be fetched from (${error.message})`)
            : Effect.void
      })
    )
    yield* parts.forever("the NATS consumer probe", probe.pipe(Effect.repeat(Schedule.spaced(PROBE_EVERY))))
  })
