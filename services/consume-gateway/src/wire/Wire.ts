/**
 * The gateway's hot-path link to NATS: request/reply and pull requests multiplexed over ONE
 * inbox subscription per connection. nats.js's `request()` and KV client cost roughly two to
 * three times more CPU per call (a timer, a subscription lookup and header validation each),
 * and the gateway makes several such calls per delivered message, so it builds the JetStream
 * requests itself here, over nats.js's plain publish and subscribe. Replies wait without a
 * timer each: one timer at a time fails whatever is overdue. Headers that many messages
 * share are built once (`headersOf`). Everything else (stream and consumer management) goes
 * through nats.js, inside `whileConnected`.
 *
 * While the connection is lost (`connectionLost` until `connectionBack`), nothing waits for
 * NATS: nats.js drops what is published then (its outbound buffer is reset at each reconnect
 * attempt), so a reply would never come and a waiting request would hang until its timeout,
 * past any `wait_for`. Requests, pulls and flushes in progress fail at once with
 * `NatsUnavailable`, and new ones fail before they are sent.
 */
import { createInbox, MsgHdrsImpl } from "@nats-io/transport-node"
import type { Msg, MsgHdrs, NatsConnection, Subscription } from "@nats-io/transport-node"

export type Headers = Record<string, string>

/** Headers for `request`/`publish`, built and encoded once, reusable: not to be changed once made. */
export const headersOf = (headers: Headers): MsgHdrs => {
  const out = new EncodedOnce()
  for (const key in headers) out.set(key, headers[key]!)
  return out
}

/**
 * nats.js encodes a message's headers again each time it is published (`encode()`); these are
 * not changed once made, so their bytes are made once (every lease create shares one instance).
 */
class EncodedOnce extends MsgHdrsImpl {
  private bytes: Uint8Array | undefined
  override encode(): Uint8Array {
    return this.bytes ??= super.encode()
  }
}

export class RequestTimeout extends Error {
  constructor(readonly subject: string) {
    super(`no reply from NATS for ${subject}`)
  }
}

/** The connection to NATS is lost (nats.js is reconnecting): nothing can be asked of it until it is back. */
export class NatsUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

/** A pull request in progress: messages collected until the batch is full or the server ends it. */
interface Collector {
  readonly batch: number
  readonly messages: Array<Msg>
  readonly onDone: (messages: Array<Msg>, status: PullStatus) => void
  /** Set when the HTTP caller went away: late messages are handed back at once (NAK). */
  abandoned: boolean
  finished: boolean
  timer: NodeJS.Timeout | undefined
  subscription: Subscription | undefined
}

/**
 * How a pull ended:
 * - `complete`: the batch is full;
 * - `exhausted`: 404/408, nothing more for now (or the pull's `expires` passed);
 * - `maxAckPending`: JetStream hands out no more until something is acked or nacked: a 409
 *   `Exceeded MaxAckPending` from servers that send one, or (`unanswered`) a no-wait pull the
 *   server left open, which is how nats-server 2.9 says it: it keeps such a pull waiting, with no
 *   expiry, until a slot frees;
 * - `maxWaiting`: 409 `Exceeded MaxWaiting`, too many pulls waiting at the consumer;
 * - `consumerGone`: 409 `Consumer Deleted`;
 * - `noResponders`: 503, nobody serves the pull subject now: the consumer was deleted, or it is
 *   moving (a JetStream restart or leader change); only its info can say which (`delivery/ConsumerGone.ts`);
 * - `refused`: any other status; `code` and `description` say which;
 * - `abandoned`: the caller gave it up first; `timeout`: the server never ended a waiting pull;
 * - `disconnected`: the connection to NATS was lost before (or while) the pull was made: what
 *   it had collected is kept (the server may never hear their acks; their ack wait brings them back).
 */
export type PullEnd = "complete" | "exhausted" | "maxAckPending" | "unanswered" | "maxWaiting" | "consumerGone" | "noResponders" |
  "refused" | "abandoned" | "timeout" | "disconnected"

export interface PullStatus {
  readonly end: PullEnd
  readonly code: number
  readonly description: string
}

/**
 * A no-wait pull is answered at once (messages, then 404/408 when the batch is not full); one
 * not answered by then is one nats-server 2.9 keeps open because the consumer is at
 * `max_ack_pending`. Far above a real answer's time (under a millisecond, a few under load), so
 * a slow answer is not cut short; far below what a worker asking "anything now?" should wait.
 */
export const NO_WAIT_ANSWER_MS = 200

/**
 * How long after its expiry a waiting pull the server has not ended counts as never ended (`timeout`).
 * A server ends it at its expiry with a 408, within milliseconds; one that hangs answers nothing,
 * and nats-server 2.9.10 drops without a word a pull that expires as a message comes up for it
 * (nats-io/nats-server#3942, fixed upstream in 2023). Either way a long poll should not overrun its
 * `wait_for` by the request timeout (10 s) on top.
 */
export const WAITING_PULL_GRACE_MS = 1_000

const COMPLETE: PullStatus = { end: "complete", code: 200, description: "batch complete" }
const UNANSWERED: PullStatus = { end: "unanswered", code: 408, description: `no answer to a no-wait pull within ${NO_WAIT_ANSWER_MS} ms` }
const TIMEOUT: PullStatus = { end: "timeout", code: 408, description: "client timeout" }
const ABANDONED: PullStatus = { end: "abandoned", code: 499, description: "abandoned by the caller" }
const DISCONNECTED: PullStatus = { end: "disconnected", code: 503, description: "the connection to NATS was lost" }

/**
 * JetStream's pull statuses. A 409 carries no code of its own for its reason, only
 * nats-server's fixed text (nats.js tells them apart by the same texts), so they are read
 * here, once, and nowhere else.
 */
export const statusOf = (code: number, description: string): PullStatus => {
  const text = description.toLowerCase()
  const end: PullEnd = code === 404 || code === 408
    ? "exhausted"
    : code === 503
    ? "noResponders"
    : code !== 409
    ? "refused"
    : text === "consumer deleted"
    ? "consumerGone"
    : text === "exceeded maxackpending"
    ? "maxAckPending"
    : text === "exceeded maxwaiting"
    ? "maxWaiting"
    : "refused"
  return { end, code, description }
}

export interface PullRequest {
  readonly result: Promise<{ readonly messages: Array<Msg>; readonly status: PullStatus }>
  /**
   * The caller no longer wants the messages: `result` resolves at once with none (`abandoned`),
   * and any that arrive later, until the server ends the pull, are returned to the consumer.
   */
  readonly abandon: () => void
}

/** A request waiting for its reply. */
interface Waiting {
  readonly subject: string
  readonly deadline: number
  readonly resolve: (msg: Msg) => void
  readonly reject: (error: Error) => void
}

const encoder = new TextEncoder()
const NAK = encoder.encode("-NAK")

export class Wire {
  private readonly prefix: string
  /** In the order sent, which is also deadline order: every request waits `timeoutMs`. */
  private readonly replies = new Map<number, Waiting>()
  private overdue: NodeJS.Timeout | undefined
  private next = 0
  /** Pulls the server has not ended yet. */
  private readonly pulls = new Set<Collector>()
  /** Why NATS cannot be reached, while the connection is lost. */
  private lost: string | undefined
  /** `whileConnected` calls in progress: failed at once when the connection goes. */
  private readonly guarded = new Set<(error: NatsUnavailable) => void>()

  constructor(readonly nc: NatsConnection, private readonly timeoutMs = 10_000) {
    this.prefix = createInbox()
    nc.subscribe(`${this.prefix}.r.*`, {
      callback: (_error, msg) => this.route(msg)
    })
  }

  private route(msg: Msg) {
    const id = Number(msg.subject.slice(this.prefix.length + 3))
    const waiting = this.replies.get(id)
    if (waiting === undefined) return
    this.replies.delete(id)
    waiting.resolve(msg)
  }

  /** Fail the requests whose time is up, then wait for the next one to be due. */
  private readonly failOverdue = () => {
    this.overdue = undefined
    const now = Date.now()
    for (const [id, waiting] of this.replies) {
      if (waiting.deadline > now) {
        this.overdue = setTimeout(this.failOverdue, waiting.deadline - now)
        return
      }
      this.replies.delete(id)
      waiting.reject(new RequestTimeout(waiting.subject))
    }
  }

  /**
   * Messages of a pull arrive with their own subjects (the stream's), not the inbox's, so each
   * pull has a subscription of its own; it lives until the server ends the pull.
   */
  private onPullMessage(pull: Collector, msg: Msg) {
    const code = msg.headers?.code ?? 0
    if (code !== 0 && (msg.data.length === 0 || msg.reply === undefined || msg.reply === "")) {
      if (code === 100) return // idle heartbeat / flow control: not requested, ignore
      this.finishPull(pull, statusOf(code, msg.headers?.description ?? ""))
      return
    }
    if (pull.abandoned || pull.finished) {
      // The caller went away, or the pull was given up unanswered: give the message straight
      // back rather than let it wait out ack_wait.
      if (msg.reply !== undefined && msg.reply !== "") this.publish(msg.reply, NAK)
      return
    }
    pull.messages.push(msg)
    if (pull.messages.length >= pull.batch) this.finishPull(pull, COMPLETE)
  }

  private finishPull(pull: Collector, status: PullStatus) {
    if (pull.finished) return
    pull.finished = true
    this.pulls.delete(pull)
    clearTimeout(pull.timer)
    if (!pull.abandoned) pull.onDone(pull.messages, status)
    if (status.end === "unanswered" || status.end === "timeout" || status.end === "disconnected") {
      // The server may still answer: its messages until it has our UNSUB go back (NAK, as the
      // pull is finished); with no one listening, it drops the pull when it next looks at it.
      pull.subscription?.drain().catch(() => {})
    } else {
      // The server ended the pull (a complete batch ends its request too).
      pull.subscription?.unsubscribe()
    }
  }

  /** nats.js says the connection is lost: fail everything that waits on NATS, and what is asked until it is back. */
  connectionLost(reason: string) {
    this.lost = reason
    const failure = new NatsUnavailable(reason)
    for (const [id, waiting] of this.replies) {
      this.replies.delete(id)
      waiting.reject(failure)
    }
    for (const pull of [...this.pulls]) this.finishPull(pull, DISCONNECTED)
    for (const fail of [...this.guarded]) fail(failure)
  }

  connectionBack() {
    this.lost = undefined
  }

  /** Why NATS cannot be reached now, or `undefined` while it is connected. */
  get unavailable(): string | undefined {
    return this.lost
  }

  /** `run` (a nats.js call), failed with `NatsUnavailable` at once when the connection is lost or goes before it ends. */
  whileConnected<A>(run: () => Promise<A>): Promise<A> {
    if (this.lost !== undefined) return Promise.reject(new NatsUnavailable(this.lost))
    return new Promise<A>((resolve, reject) => {
      const fail = (error: NatsUnavailable) => reject(error)
      this.guarded.add(fail)
      run().then(resolve, reject).finally(() => this.guarded.delete(fail))
    })
  }

  publish(subject: string, payload: string | Uint8Array) {
    this.nc.publish(subject, payload)
  }

  request(subject: string, payload: string | Uint8Array, headers?: MsgHdrs): Promise<Msg> {
    if (this.lost !== undefined) return Promise.reject(new NatsUnavailable(this.lost))
    const id = ++this.next
    return new Promise<Msg>((resolve, reject) => {
      this.replies.set(id, { subject, deadline: Date.now() + this.timeoutMs, resolve, reject })
      this.overdue ??= setTimeout(this.failOverdue, this.timeoutMs)
      const reply = `${this.prefix}.r.${id}`
      this.nc.publish(subject, payload, headers === undefined ? { reply } : { reply, headers })
    })
  }

  /**
   * One JetStream pull (`$JS.API.CONSUMER.MSG.NEXT`). With `expiresMs` undefined it is a
   * no-wait pull: whatever is available now, then a 404/408 status; one the server leaves open
   * ends after `NO_WAIT_ANSWER_MS` as `unanswered` (see `PullEnd`).
   */
  pull(stream: string, consumer: string, batch: number, expiresMs?: number): PullRequest {
    if (this.lost !== undefined) return { result: Promise.resolve({ messages: [], status: DISCONNECTED }), abandon: () => {} }
    const inbox = `${this.prefix}.p.${++this.next}`
    let abandon = () => {}
    const result = new Promise<{ messages: Array<Msg>; status: PullStatus }>((resolve) => {
      const collector: Collector = {
        batch,
        messages: [],
        onDone: (messages, status) => resolve({ messages, status }),
        abandoned: false,
        finished: false,
        timer: undefined,
        subscription: undefined
      }
      // A waiting pull ends with the server's status; its timer only guards against a lost one.
      collector.timer = expiresMs === undefined
        ? setTimeout(() => this.finishPull(collector, UNANSWERED), NO_WAIT_ANSWER_MS)
        : setTimeout(() => this.finishPull(collector, TIMEOUT), expiresMs + WAITING_PULL_GRACE_MS)
      collector.subscription = this.nc.subscribe(inbox, { callback: (_error, msg) => this.onPullMessage(collector, msg) })
      this.pulls.add(collector)
      abandon = () => {
        if (collector.abandoned || collector.finished) return
        collector.abandoned = true
        for (const msg of collector.messages) if (msg.reply !== undefined) this.publish(msg.reply, NAK)
        collector.messages.length = 0
        // The waiter must not outlive its caller: it holds one of the consumer's waiting slots.
        resolve({ messages: [], status: ABANDONED })
      }
    })
    const body = expiresMs === undefined
      ? `{"batch":${batch},"no_wait":true}`
      : `{"batch":${batch},"expires":${Math.max(1, Math.round(expiresMs)) * 1_000_000}}`
    this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, encoder.encode(body), { reply: inbox })
    return { result, abandon: () => abandon() }
  }

  /** Round trip to the server: everything published before has been received by it. */
  flush(): Promise<void> {
    return this.whileConnected(() => this.nc.flush())
  }
}
