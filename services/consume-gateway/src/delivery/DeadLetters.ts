/**
 * Dead letters: a message that used up `max_deliver` attempts is copied to the consumer's
 * dead-letter stream (and terminated on its own stream); redrive moves dead letters to the
 * stream's `redrive` half, which the consumer's workers receive before new messages.
 */
import type { Msg } from "@nats-io/transport-node"
import type { Resources } from "../consumers/Resources.js"
import { parsePubAck, JetStreamFailure } from "../wire/Kv.js"
import { headersOf } from "../wire/Wire.js"
import type { Wire } from "../wire/Wire.js"
import type { Candidate } from "./Claims.js"
import { ORIGINAL_SUBJECT } from "./Claims.js"

export const ATTEMPTS = "Tributary-Dead-Letter-Attempts"
export const STREAM_SEQUENCE = "Tributary-Dead-Letter-Stream-Seq"
export const DEAD_AT = "Tributary-Dead-Letter-At"

const copyHeaders = (msg: Msg): Record<string, string> => {
  const out: Record<string, string> = {}
  if (msg.headers === undefined) return out
  for (const key of msg.headers.keys()) {
    // JetStream's own headers (dedupe ids, expectations) belong to the original publish.
    if (key.toLowerCase().startsWith("nats-")) continue
    out[key] = msg.headers.get(key)
  }
  return out
}

/**
 * The message's sequence in the consumer's stream. A redriven message's delivery is of the
 * redriven copy, in the dead-letter stream; its original's sequence is the header its first
 * dead letter was given, which redrive carried over.
 */
const originalSequence = (resources: Resources, candidate: Candidate): string => {
  const redriven = candidate.delivery.stream === resources.deadLetterStream
  return (redriven ? candidate.msg.headers?.get(STREAM_SEQUENCE) : undefined) || String(candidate.delivery.streamSeq)
}

export const publish = async (wire: Wire, resources: Resources, candidate: Candidate, attempts: number) => {
  const headers = {
    ...copyHeaders(candidate.msg),
    [ORIGINAL_SUBJECT]: candidate.subject,
    [STREAM_SEQUENCE]: originalSequence(resources, candidate),
    [ATTEMPTS]: String(attempts),
    [DEAD_AT]: new Date().toISOString(),
    // The claim may be retried after the copy was stored: JetStream drops the duplicate.
    "Nats-Msg-Id": `${candidate.delivery.stream}.${candidate.delivery.streamSeq}.${attempts}`
  }
  const reply = await wire.request(resources.deadSubjectFor(candidate.subject), candidate.msg.data, headersOf(headers))
  parsePubAck(`dead-letter to ${resources.deadLetterStream}`, reply)
}

export interface DeadLetter {
  readonly seq: number
  readonly subject: string
  readonly attempts: number
  readonly dead_lettered_at: string
  readonly headers: Record<string, string>
  readonly data: Uint8Array
}

const nextDead = async (wire: Wire, resources: Resources, after: number): Promise<DeadLetter | undefined> => {
  const reply = await wire.request(
    `$JS.API.DIRECT.GET.${resources.deadLetterStream}`,
    JSON.stringify({ seq: after + 1, next_by_subj: resources.deadSubjects })
  )
  const code = reply.headers?.code ?? 0
  if (code === 404) return undefined
  if (code !== 0 && code !== 200) {
    throw new JetStreamFailure(`read ${resources.deadLetterStream}`, code, reply.headers?.description ?? "")
  }
  const headers: Record<string, string> = {}
  for (const key of reply.headers?.keys() ?? []) headers[key] = reply.headers?.get(key) ?? ""
  return {
    seq: Number(headers["Nats-Sequence"]),
    subject: headers[ORIGINAL_SUBJECT] ?? headers["Nats-Subject"] ?? "",
    attempts: Number(headers[ATTEMPTS] ?? "0"),
    dead_lettered_at: headers[DEAD_AT] ?? "",
    headers,
    data: reply.data
  }
}

/** Dead letters after stream sequence `after`, oldest first. */
export const list = async (wire: Wire, resources: Resources, after: number, limit: number) => {
  const out: Array<DeadLetter> = []
  let cursor = after
  while (out.length < limit) {
    const found = await nextDead(wire, resources, cursor)
    if (found === undefined) break
    out.push(found)
    cursor = found.seq
  }
  return out
}

/** Move every dead letter (up to `limit`) to the redrive half; returns how many moved. */
export const redrive = async (wire: Wire, resources: Resources, limit: number): Promise<number> => {
  let moved = 0
  let cursor = 0
  while (moved < limit) {
    const found = await nextDead(wire, resources, cursor)
    if (found === undefined) break
    cursor = found.seq
    const headers: Record<string, string> = {}
    for (const [key, value] of Object.entries(found.headers)) if (!key.toLowerCase().startsWith("nats-")) headers[key] = value
    headers["Nats-Msg-Id"] = `redrive.${found.seq}`
    parsePubAck("redrive",
      await wire.request(resources.redriveSubjectFor(found.headers["Nats-Subject"] ?? ""), found.data, headersOf(headers)))
    const removed = await wire.request(
      `$JS.API.STREAM.MSG.DELETE.${resources.deadLetterStream}`,
      JSON.stringify({ seq: found.seq, no_erase: true })
    )
    const answer = JSON.parse(new TextDecoder().decode(removed.data)) as { error?: { err_code?: number; description?: string } }
    if (answer.error !== undefined) {
      throw new JetStreamFailure("remove redriven dead letter", answer.error.err_code, answer.error.description ?? "")
    }
    moved++
  }
  return moved
}
