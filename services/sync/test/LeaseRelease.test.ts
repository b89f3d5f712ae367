/**
 * Letting a lease go at shutdown, against a real nats-server: a renewal stored after the revision
 * known here (its answer lost to the shutdown) must not keep the lease held for a TTL with no
 * actor behind it; a lease another replica took meanwhile is left alone.
 */
import { Kvm } from "@nats-io/kv"
import type { KV } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/transport-node"
import { Nats } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Leases from "../src/replica/Leases.js"

const bucket = Fixtures.uniqueName("leases")
let nc: NatsConnection
let kv: KV

beforeAll(async () => {
  nc = await connect({ servers: Fixtures.natsUrl() })
  kv = await new Kvm(nc).create(bucket, { history: 1 })
})

afterAll(async () => {
  await kv.destroy()
  await nc.close()
})

/** Who holds the key, or undefined once it is let go. */
const holder = async (key: string) => {
  const entry = await kv.get(key)
  return entry === null || entry.operation !== "PUT" ? undefined : Leases.ownerOf(entry.string())
}

const acquired = async (key: string, owner: string, expected: number | undefined) => {
  const revision = await Nats.writeAtRevision(kv, key, Leases.value(owner), expected)
  if (revision === undefined) throw new Error(`${owner} could not write ${key}`)
  return revision
}

describe("Leases.releaseAtShutdown", () => {
  it("lets the lease go when a renewal was stored after the revision known here", async () => {
    const key = "sync_renewed_unseen"
    const known = await acquired(key, "r1", undefined)
    // The renewal's answer never reached the replica: it still knows the first revision.
    await acquired(key, "r1", known)
    await Effect.runPromise(Leases.releaseAtShutdown(kv, key, "r1", known, 5_000))
    expect(await holder(key)).toBeUndefined()
  })

  it("lets the lease go at the revision known here", async () => {
    const key = "sync_known"
    const known = await acquired(key, "r1", undefined)
    await Effect.runPromise(Leases.releaseAtShutdown(kv, key, "r1", known, 5_000))
    expect(await holder(key)).toBeUndefined()
  })

  it("leaves a lease another replica has taken since", async () => {
    const key = "sync_taken_over"
    const known = await acquired(key, "r1", undefined)
    await acquired(key, "r2", known)
    await Effect.runPromise(Leases.releaseAtShutdown(kv, key, "r1", known, 5_000))
    expect(await holder(key)).toBe("r2")
  })
})
