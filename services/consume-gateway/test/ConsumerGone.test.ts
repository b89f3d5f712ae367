/**
 * A pull JetStream did not serve is not read as a deleted consumer: a "no responders" (503)
 * comes from a consumer that is moving (a restart, a leader change in a cluster) as well as
 * from a deleted one. Whether the consumer is gone is read from its info, against a real
 * nats-server. (A moving consumer cannot be made on purpose on a single server, which serves a
 * consumer's pulls from the moment it accepts connections, and nats-server 2.9 leaves a pull of
 * a consumer that is not there unanswered rather than answering 503; so the reading of the
 * status and the classification are tested here, the gateway's answers in test/gateway.)
 */
import { AckPolicy, jetstreamManager } from "@nats-io/jetstream"
import type { JetStreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/transport-node"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ConsumerGone from "../src/delivery/ConsumerGone.js"
import { statusOf } from "../src/wire/Wire.js"

const stream = Fixtures.uniqueName("GONE").toUpperCase()
const durable = "present"
let nc: NatsConnection
let jsm: JetStreamManager
beforeAll(async () => {
  nc = await connect({ servers: Fixtures.natsUrl() })
  jsm = await jetstreamManager(nc)
  await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] })
  await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit })
})
afterAll(async () => {
  await jsm.streams.delete(stream)
  await nc.close()
})

describe("a pull JetStream did not serve", () => {
  it("answered no responders is read as that, not as deleted; 409 Consumer Deleted is deleted", () => {
    expect(statusOf(503, "No Responders").end).toBe("noResponders")
    expect(statusOf(409, "Consumer Deleted").end).toBe("consumerGone")
  })

  it("is a deleted consumer only when JetStream says the consumer or its stream is not found", async () => {
    expect(await ConsumerGone.classify(() => jsm.consumers.info(stream, durable))).toBe("moving")
    expect(await ConsumerGone.classify(() => jsm.consumers.info(stream, "absent"))).toBe("gone")
    expect(await ConsumerGone.classify(() => jsm.consumers.info(`${stream}_ABSENT`, durable))).toBe("gone")
  })

  it("is not a deleted consumer when JetStream cannot be asked either", async () => {
    const closed = await connect({ servers: Fixtures.natsUrl() })
    const closedJsm = await jetstreamManager(closed)
    await closed.close()
    expect(await ConsumerGone.classify(() => closedJsm.consumers.info(stream, durable))).toBe("unreachable")
  })
})
