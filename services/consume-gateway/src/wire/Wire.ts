/**
 * The gateway's hot-path link to NATS: request/reply and pull requests multiplexed over ONE
 * inbox subscription per connection. nats.js's `request()` and KV client cost roughly two to
 * three times more CPU per call (a timer, a subscription lookup and header validation each),
 * and the gateway makes several such calls per delivered message, so it builds the JetStream
 * requests itself here, over nats.js's plain publish and subscribe. Replies wait without a
 * timer each: one timer at a time fails whatever is overdue. Headers that many messages
 * share are built once (`headersOf`). Everything else (stream and consumer management) goes
 * through nats.js.
 */
import { createInbox, headers as natsHeaders } from "@nats-io/transport-node"
import type { Msg, MsgHdrs, NatsConnection, Subscription } from "@nats-io/transport-node"

export type Headers = Record<string, string>

/** Headers for `request`/`publish`, built once and reusable: nats.js only encodes them when sending. */
export const headersOf = (headers: Headers): MsgHdrs => {
  const out = natsHeaders()
  for (const key in headers) out.set(key, headers[key]!)
  return out
}

export class RequestTimeout extends Error {
  constructor(readonly subject: string) {
    super(`no reply from NATS for ${subject}`)
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
 * How the server ended a pull: `404`/`408` (no more messages), `409` (refused, with a reason);
 * or `ABANDONED` when the caller gave it up first.
 */
export interface PullStatus {
  readonly code: number
  readonly description: string
}

export const ABANDONED = 499

export interface PullRequest {
  readonly result: Promise<{ readonly messages: Array<Msg>; readonly status: PullStatus }>
  /**
   * The caller no longer wants the messages: `result` resolves at once with none (status
   * `ABANDONED`), and any that arrive later, until the server ends the pull, are returned to
   * the consumer.
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
      this.finishPull(pull, { code, description: msg.headers?.description ?? "" })
      return
    }
    if (pull.abandoned || pull.finished) {
      // The caller went away: give the message straight back rather than let it wait out ack_wait.
      if (msg.reply !== undefined && msg.reply !== "") this.publish(msg.reply, NAK)
      return
    }
    pull.messages.push(msg)
    if (pull.messages.length >= pull.batch) this.finishPull(pull, { code: 200, description: "batch complete" })
  }

  private finishPull(pull: Collector, status: PullStatus) {
    if (!pull.finished) {
      pull.finished = true
      if (!pull.abandoned) pull.onDone(pull.messages, status)
    }
    // A complete batch ends the server's request too; otherwise its status retires the subscription.
    if (status.code !== 200 || pull.messages.length >= pull.batch) {
      clearTimeout(pull.timer)
      pull.subscription?.unsubscribe()
    }
  }

  publish(subject: string, payload: string | Uint8Array) {
    this.nc.publish(subject, payload)
  }

  request(subject: string, payload: string | Uint8Array, headers?: MsgHdrs): Promise<Msg> {
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
   * no-wait pull: whatever is available now, then a 404/408 status.
   */
  pull(stream: string, consumer: string, batch: number, expiresMs?: number): PullRequest {
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
      // The server always ends a pull with a status; this only guards against a lost one.
      collector.timer = setTimeout(() => this.finishPull(collector, { code: 408, description: "client timeout" }),
        (expiresMs ?? 0) + this.timeoutMs)
      collector.subscription = this.nc.subscribe(inbox, { callback: (_error, msg) => this.onPullMessage(collector, msg) })
      abandon = () => {
        if (collector.abandoned || collector.finished) return
        collector.abandoned = true
        for (const msg of collector.messages) if (msg.reply !== undefined) this.publish(msg.reply, NAK)
        collector.messages.length = 0
        // The waiter must not outlive its caller: it holds one of the consumer's waiting slots.
        resolve({ messages: [], status: { code: ABANDONED, description: "abandoned by the caller" } })
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
    return this.nc.flush()
  }
}
