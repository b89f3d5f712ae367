/**
 * Compare-and-set access to a KV bucket over `Wire`, for the gateway's hot path (leases and
 * settlements, several per delivered batch). The bucket is the stream `KV_<bucket>`, a key is
 * the subject `$KV.<bucket>.<key>`, and a revision is the stream sequence: a write states the
 * revision it expects with `Nats-Expected-Last-Subject-Sequence`, which JetStream checks
 * atomically. Reads use direct get, which `Provisioning` enables on every bucket.
 */
import type { Msg } from "@nats-io/transport-node"
import { headersOf } from "./Wire.js"
import type { Wire } from "./Wire.js"

/** JetStream's `err_code` for a failed expected-last-sequence check. */
export const WRONG_LAST_SEQUENCE = 10071

export class JetStreamFailure extends Error {
  constructor(readonly operation: string, readonly code: number | undefined, readonly detail: string) {
    super(`NATS ${operation} failed${code === undefined ? "" : ` (code ${code})`}: ${detail}`)
  }
}

export interface Entry {
  readonly value: Uint8Array
  readonly revision: number
}

/** Outcome of a compare-and-set write: the new revision, or `conflict` when the key moved on. */
export type Written = number | "conflict"

interface PubAck {
  readonly seq?: number
  readonly error?: { readonly err_code?: number; readonly description?: string }
}

const decoder = new TextDecoder()

const EXPECTED_REVISION = "Nats-Expected-Last-Subject-Sequence"
/** The expectation of every lease and settlement create (the common write), built once. */
const expectAbsent = headersOf({ [EXPECTED_REVISION]: "0" })

export const parsePubAck = (operation: string, msg: Msg): Written => {
  if (msg.headers?.code === 503) throw new JetStreamFailure(operation, undefined, "no JetStream responders")
  const ack = JSON.parse(decoder.decode(msg.data)) as PubAck
  if (ack.error !== undefined) {
    if (ack.error.err_code === WRONG_LAST_SEQUENCE) return "conflict"
    throw new JetStreamFailure(operation, ack.error.err_code, ack.error.description ?? "unknown error")
  }
  return ack.seq ?? 0
}

export class Kv {
  private readonly stream: string
  private readonly subjectPrefix: string

  constructor(private readonly wire: Wire, readonly bucket: string) {
    this.stream = `KV_${bucket}`
    this.subjectPrefix = `$KV.${bucket}.`
  }

  subject(key: string): string {
    return this.subjectPrefix + key
  }

  /** The current value, or `undefined` when the key is absent or deleted. */
  async get(key: string): Promise<Entry | undefined> {
    const found = await this.getRaw(key)
    return found === undefined || found.deleted ? undefined : found
  }

  private async getRaw(key: string): Promise<(Entry & { deleted: boolean }) | undefined> {
    const msg = await this.wire.request(`$JS.API.DIRECT.GET.${this.stream}`, `{"last_by_subj":"${this.subject(key)}"}`)
    const code = msg.headers?.code ?? 0
    if (code === 404) return undefined
    if (code !== 0 && code !== 200) {
      throw new JetStreamFailure(`read ${this.bucket}/${key}`, code, msg.headers?.description ?? "")
    }
    const operation = msg.headers?.get("KV-Operation") ?? ""
    return {
      value: msg.data,
      revision: Number(msg.headers?.get("Nats-Sequence") ?? "0"),
      deleted: operation === "DEL" || operation === "PURGE"
    }
  }

  /** Write `value` if the key's revision is still `revision` (0: the key has never been written). */
  async update(key: string, value: string | Uint8Array, revision: number): Promise<Written> {
    const expect = revision === 0 ? expectAbsent : headersOf({ [EXPECTED_REVISION]: String(revision) })
    const reply = await this.wire.request(this.subject(key), value, expect)
    return parsePubAck(`write ${this.bucket}/${key}`, reply)
  }

  /** Write `value` only if the key is absent (never written, deleted or purged). */
  async create(key: string, value: string | Uint8Array): Promise<Written> {
    const first = await this.update(key, value, 0)
    if (first !== "conflict") return first
    const current = await this.getRaw(key)
    if (current === undefined || !current.deleted) return "conflict"
    return this.update(key, value, current.revision)
  }

  /** Write `value` unconditionally. */
  async put(key: string, value: string | Uint8Array): Promise<number> {
    const reply = await this.wire.request(this.subject(key), value)
    const written = parsePubAck(`write ${this.bucket}/${key}`, reply)
    return written === "conflict" ? 0 : written
  }
}
