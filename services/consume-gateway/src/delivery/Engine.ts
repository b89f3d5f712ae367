/**
 * The consume API of one gateway replica: receive (`next`), ack, nack, progress and dead
 * letters. Stateless across replicas: everything shared lives in JetStream (consumers,
 * streams) and the `inflight` bucket (leases, settlements); what a replica keeps in memory
 * is a cache (consumer configs and counts) and its own waiting requests.
 */
import type { JetStreamManager } from "@nats-io/jetstream"
import type { Msg } from "@nats-io/transport-node"
import type { ConsumerConfig, Namespace, Secrets } from "@tributary/core"
import { randomBytes } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import * as Resources from "../consumers/Resources.js"
import type { Metrics } from "../observability/Metrics.js"
import type { Kv } from "../wire/Kv.js"
import type { Wire } from "../wire/Wire.js"
import * as AckToken from "./AckToken.js"
import { ackPendingWith, CachedCounts, type Counts } from "./CachedCounts.js"
import * as Claims from "./Claims.js"
import * as DeadLetters from "./DeadLetters.js"
import { IssuedTokens } from "./IssuedTokens.js"
import { InvalidTokens, StaleTokens, UnknownConsumer } from "./Failures.js"
import type * as Lease from "./Lease.js"
import * as NextRefusals from "./NextRefusals.js"
import * as PullEnds from "./PullEnds.js"
import type * as RetryAfter from "./RetryAfter.js"
import * as Settle from "./Settle.js"

export interface EngineSettings {
  /** `/next` requests one replica keeps waiting per consumer before answering 429. */
  readonly maxWaiting: number
  /** Longest a withheld message waits before it is looked at again. */
  readonly withholdMaxMs: number
}

export interface Dependencies {
  readonly wire: Wire
  readonly inflight: Kv
  readonly jsm: JetStreamManager
  readonly ns: Namespace.Namespace
  readonly keys: Secrets.Keys
  readonly metrics: Metrics
  readonly settings: EngineSettings
  /** The consumer's config, from the replica's cache of the `consumers` bucket. */
  readonly lookup: (name: string) => Promise<ConsumerConfig.ConsumerConfig | undefined>
  /** A warning in the replica's log, with its fields. */
  readonly warn: (message: string, fields: Readonly<Record<string, string | number>>) => void
}

/** What a replica keeps per consumer: derived names, cached counts, its waiting requests. */
interface Runtime {
  readonly config: ConsumerConfig.ConsumerConfig
  readonly resources: Resources.Resources
  readonly counts: CachedCounts
  redrivePending: number
  redriveCheckedAt: number
  /** What its pulls' ends need (`PullEnds`): made at the first pull, not at each. */
  pullEnds?: PullEnds.PullEndContext
  /**
   * The replica's `/next` requests for the consumer. One set for every runtime of the consumer:
   * a request that started on the config before a PATCH ends (and frees its slot) after it.
   */
  readonly waiters: Set<RetryAfter.Waiter>
}

const REDRIVE_CHECK_MS = 1_000
const MAX_WAIT_MS = 60_000
/**
 * A waiting pull JetStream ended with nothing before `wait_for` ran out (a status some servers
 * answer at once, such as `409 Exceeded MaxAckPending` on newer ones) is made again after this
 * pause, doubled each time up to `EMPTY_PULL_PAUSE_MAX_MS`: pulling again at once would ask
 * JetStream thousands of times a second until `wait_for` ends.
 */
const EMPTY_PULL_PAUSE_MS = 50
const EMPTY_PULL_PAUSE_MAX_MS = 1_000

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  sleep(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined)

const OPEN = '{"data":['
const CLOSE_BRACE = 0x7d

export class Engine {
  private readonly runtimes = new Map<string, Runtime>()
  private readonly replica = randomBytes(4).toString("hex")
  private batches = 0
  private readonly issued = new IssuedTokens()

  constructor(private readonly deps: Dependencies) {}

  private async runtime(name: string): Promise<Runtime> {
    // A name the replica's cache does not hold is read from the bucket: not while NATS is away.
    const config = await this.deps.wire.whileConnected(() => this.deps.lookup(name))
    if (config === undefined) {
      this.runtimes.delete(name)
      throw new UnknownConsumer(name)
    }
    const known = this.runtimes.get(name)
    if (known !== undefined && known.config === config) return known
    const resources = Resources.of(this.deps.ns, name, config.source)
    const runtime: Runtime = {
      config,
      resources,
      // Not carried over from the previous config (see `CachedCounts`).
      counts: new CachedCounts(config.name, () => this.consumerInfo(resources)),
      redrivePending: known?.redrivePending ?? 0,
      redriveCheckedAt: known?.redriveCheckedAt ?? 0,
      waiters: known?.waiters ?? new Set()
    }
    this.runtimes.set(name, runtime)
    return runtime
  }

  /** The info of the consumer's JetStream consumer: for its counts, and to tell whether it is gone. */
  private consumerInfo(resources: Resources.Resources) {
    return this.deps.wire.whileConnected(() => this.deps.jsm.consumers.info(resources.stream, resources.durable))
  }

  private checkRedrive(rt: Runtime) {
    if (Date.now() - rt.redriveCheckedAt < REDRIVE_CHECK_MS) return
    rt.redriveCheckedAt = Date.now()
    this.deps.wire.whileConnected(() => this.deps.jsm.consumers.info(rt.resources.deadLetterStream, rt.resources.redriveDurable))
      .then((info) => {
        rt.redrivePending = info.num_pending
      }, () => {})
  }

  private claimContext(rt: Runtime, source: Lease.Source): Claims.ClaimContext {
    const { resources, config } = rt
    return {
      wire: this.deps.wire,
      kv: this.deps.inflight,
      kind: config.source,
      source,
      stream: source === "main" ? resources.stream : resources.deadLetterStream,
      ackWaitMs: config.ack_wait_ms,
      maxDeliver: config.max_deliver,
      withholdMaxMs: this.deps.settings.withholdMaxMs,
      baseFloor: () => rt.counts.latest?.ackFloor ?? 0,
      leaseKey: resources.leaseKey,
      settlementKey: resources.settlementKey,
      deadLetter: (candidate, attempts) => DeadLetters.publish(this.deps.wire, resources, candidate, attempts)
    }
  }

  private pullEndContext(rt: Runtime): PullEnds.PullEndContext {
    return rt.pullEnds ??= {
      wire: this.deps.wire,
      metrics: this.deps.metrics,
      warn: this.deps.warn,
      consumer: rt.config.name,
      resources: rt.resources,
      info: () => this.consumerInfo(rt.resources),
      refreshCounts: async () => {
        await rt.counts.refresh()
      }
    }
  }

  private async claim(rt: Runtime, source: Lease.Source, messages: ReadonlyArray<Msg>) {
    if (messages.length === 0) return [] as Array<Claims.Granted>
    const batch = `${this.replica}${(++this.batches).toString(36)}`
    const outcome = await Claims.claim(this.claimContext(rt, source), batch, messages)
    const consumer = rt.config.name
    if (outcome.withheld > 0) this.deps.metrics.withheld.inc({ consumer }, outcome.withheld)
    if (outcome.deadLettered > 0) this.deps.metrics.deadLettered.inc({ consumer }, outcome.deadLettered)
    return outcome.granted
  }

  /**
   * After a no-wait pull nats-server 2.9 left open (the consumer at `max_ack_pending`) was given up
   * (`unanswered`): the server still holds that pull among the consumer's waiting ones, with nobody
   * listening, and takes the next redelivery due (a nack) off its redelivery queue for it, finds no
   * interest and drops the message until its ack wait (nats-io/nats-server#5338, fixed upstream in 2024).
   * Asking for the consumer's info makes the server drop waiting pulls nobody listens to. The
   * request follows the pull's UNSUB on the connection, and is waited for, so a nack sent after
   * it cannot meet the pull (one from another connection within that round trip still can).
   */
  private async forgetGivenUpPull(stream: string, durable: string, pulled: PullEnds.Pulled): Promise<void> {
    if (pulled.status.end !== "unanswered") return
    await this.deps.wire.whileConnected(() => this.deps.jsm.consumers.info(stream, durable)).catch(() => {})
  }

  /**
   * What is available now, redriven messages first. `full`: JetStream stopped short because the
   * consumer is at `max_ack_pending`.
   */
  private async pullNow(rt: Runtime, want: number): Promise<{ granted: Array<Claims.Granted>; full: boolean }> {
    const granted: Array<Claims.Granted> = []
    let full = false
    this.checkRedrive(rt)
    if (rt.redrivePending > 0) {
      const pulled = await this.deps.wire.pull(rt.resources.deadLetterStream, rt.resources.redriveDurable, want).result
      PullEnds.checkRedrive(this.pullEndContext(rt), pulled)
      await this.forgetGivenUpPull(rt.resources.deadLetterStream, rt.resources.redriveDurable, pulled)
      if (pulled.messages.length === 0) rt.redrivePending = 0
      granted.push(...await this.claim(rt, "redrive", pulled.messages))
    }
    if (granted.length < want) {
      const pulled = await this.deps.wire.pull(rt.resources.stream, rt.resources.durable, want - granted.length).result
      await PullEnds.check(this.pullEndContext(rt), pulled, "now")
      await this.forgetGivenUpPull(rt.resources.stream, rt.resources.durable, pulled)
      granted.push(...await this.claim(rt, "main", pulled.messages))
      full = pulled.status.end === "maxAckPending" || pulled.status.end === "unanswered"
    }
    return { granted, full }
  }

  /**
   * Up to `batchSize` messages. With `waitForMs` > 0 and nothing available, wait for the first
   * message (a pull of one, so nothing is left parked at the server when we answer), then take
   * whatever else is available with it.
   */
  async next(name: string, batchSize: number, waitForMs: number, signal?: AbortSignal): Promise<Uint8Array> {
    const rt = await this.runtime(name)
    PullEnds.connected(this.deps.wire)
    // By cached counts, so only a hint: fresh counts decide a refusal (see `NextRefusals`).
    const fullByCount = await NextRefusals.atMaxAckPendingByCachedCounts(rt)
    const now = Date.now()
    await NextRefusals.refuseWhenWaitingFull(rt, this.deps.settings.maxWaiting, fullByCount, now)
    const deadline = now + Math.min(waitForMs, MAX_WAIT_MS)
    const waiter: RetryAfter.Waiter = { until: deadline }
    rt.waiters.add(waiter)
    this.deps.metrics.waiting.set({ consumer: name }, rt.waiters.size)
    try {
      const available = await this.pullNow(rt, batchSize)
      let granted = available.granted
      if (granted.length === 0 && (available.full || fullByCount)) await NextRefusals.refuseAtMaxAckPending(rt)
      let emptyPause = EMPTY_PULL_PAUSE_MS
      while (granted.length === 0 && Date.now() < deadline && signal?.aborted !== true) {
        const pull = this.deps.wire.pull(rt.resources.stream, rt.resources.durable, 1, deadline - Date.now())
        const abandon = () => pull.abandon()
        signal?.addEventListener("abort", abandon, { once: true })
        const pulled = await pull.result.finally(() => signal?.removeEventListener("abort", abandon))
        await PullEnds.check(this.pullEndContext(rt), pulled, "waiting")
        const { messages } = pulled
        if (messages.length === 0) {
          // Ended before its expiry (otherwise the deadline has passed and the loop ends here).
          if (Date.now() < deadline) await pause(Math.min(emptyPause, deadline - Date.now()), signal)
          emptyPause = Math.min(emptyPause * 2, EMPTY_PULL_PAUSE_MAX_MS)
          continue
        }
        granted = [...await this.claim(rt, "main", messages)]
        // Topping up the batch must not cost the messages already claimed for this caller.
        if (batchSize > granted.length) {
          granted.push(...await this.pullNow(rt, batchSize - granted.length).then((more) => more.granted, () => []))
        }
      }
      if (granted.length > 0) this.deps.metrics.delivered.inc({ consumer: name }, granted.length)
      return this.render(rt, granted, await rt.counts.recent())
    } finally {
      rt.waiters.delete(waiter)
      this.deps.metrics.waiting.set({ consumer: name }, rt.waiters.size)
    }
  }

  /**
   * The answer in one buffer: everything but the message bodies is ASCII (tokens are
   * base64url), so it is written as latin1, byte for byte, and each body is copied once.
   */
  private render(rt: Runtime, granted: ReadonlyArray<Claims.Granted>, counts: Counts): Uint8Array {
    const field = rt.config.source === "records" ? "record" : "event"
    const heads = new Array<string>(granted.length)
    let pending = counts.numPending
    const fromStream: Array<number> = []
    let size = OPEN.length
    granted.forEach(({ candidate, batch }, i) => {
      const issued: AckToken.AckToken = {
        consumer: rt.config.name,
        reply: candidate.reply,
        leaseKey: candidate.leaseKey,
        batch,
        index: candidate.index,
        createdAtMs: rt.config.created_at_ms
      }
      const token = AckToken.issue(this.deps.keys, issued)
      this.issued.remember(token, issued)
      heads[i] = `${i > 0 ? "," : ""}{"ack_token":"${token}","${field}":`
      size += heads[i]!.length + candidate.msg.data.length + 1
      if (candidate.delivery.stream === rt.resources.stream) {
        pending = candidate.delivery.pending
        fromStream.push(candidate.delivery.streamSeq)
      }
    })
    // Redriven messages come from the dead-letter stream's consumer, which the counts never hold.
    const ackPending = ackPendingWith(counts, fromStream) + granted.length - fromStream.length
    const tail = `],"info":{"num_pending":${pending},"num_ack_pending":${ackPending}}}`
    const out = Buffer.allocUnsafe(size + tail.length)
    let at = out.write(OPEN, 0, "latin1")
    granted.forEach(({ candidate }, i) => {
      at += out.write(heads[i]!, at, "latin1")
      out.set(candidate.msg.data, at)
      at += candidate.msg.data.length
      out[at++] = CLOSE_BRACE
    })
    out.write(tail, at, "latin1")
    return out
  }

  private async tokens(name: string, texts: ReadonlyArray<string>) {
    const rt = await this.runtime(name)
    PullEnds.connected(this.deps.wire)
    // A token this replica issued comes back as it was read here: no signature to check.
    const read = texts.map((text) => {
      const known = this.issued.take(text)
      const token = known !== undefined && known.consumer === name ? known : AckToken.read(this.deps.keys, name, text)
      return typeof token !== "string" && AckToken.isOfEarlierConsumer(token, rt.config.created_at_ms) ? "earlier_consumer" : token
    })
    const rejected = read.flatMap((token, index) => typeof token === "string" ? [{ index, reason: token }] : [])
    if (rejected.length > 0) {
      for (const r of rejected) this.deps.metrics.refusedTokens.inc({ consumer: name, reason: r.reason })
      throw new InvalidTokens(rejected)
    }
    return { rt, tokens: read.filter((t): t is AckToken.AckToken => typeof t !== "string") }
  }

  private settleContext(rt: Runtime): Settle.SettleContext {
    return {
      wire: this.deps.wire,
      kv: this.deps.inflight,
      ackWaitMs: rt.config.ack_wait_ms,
      settlementKey: rt.resources.settlementKey
    }
  }

  private stale(name: string, texts: ReadonlyArray<string>, tokens: ReadonlyArray<AckToken.AckToken>,
    refused: ReadonlyArray<Settle.Refused>, applied: number) {
    if (refused.length === 0) return
    for (const r of refused) this.deps.metrics.refusedTokens.inc({ consumer: name, reason: r.state })
    throw new StaleTokens(refused.map((r) => ({ token: texts[tokens.indexOf(r.token)] ?? "", state: r.state })), applied)
  }

  async ack(name: string, texts: ReadonlyArray<string>): Promise<void> {
    const { rt, tokens } = await this.tokens(name, texts)
    const { settled, refused } = await Settle.settle(this.settleContext(rt), tokens, { kind: "ack" })
    if (settled > 0) this.deps.metrics.acked.inc({ consumer: name }, settled)
    this.stale(name, texts, tokens, refused, settled)
  }

  async nack(name: string, texts: ReadonlyArray<string>, delayMs: number): Promise<void> {
    const { rt, tokens } = await this.tokens(name, texts)
    const { settled, refused } = await Settle.settle(this.settleContext(rt), tokens, { kind: "nack", delayMs })
    if (settled > 0) this.deps.metrics.nacked.inc({ consumer: name }, settled)
    this.stale(name, texts, tokens, refused, settled)
  }

  async progress(name: string, texts: ReadonlyArray<string>): Promise<void> {
    const { rt, tokens } = await this.tokens(name, texts)
    const { refused } = await Settle.progress(this.settleContext(rt), tokens)
    this.stale(name, texts, tokens, refused, tokens.length - refused.length)
  }

  async deadLetters(name: string, after: number, limit: number) {
    const rt = await this.runtime(name)
    return { source: rt.config.source, letters: await DeadLetters.list(this.deps.wire, rt.resources, after, limit) }
  }

  async redrive(name: string, limit: number): Promise<number> {
    const rt = await this.runtime(name)
    const moved = await DeadLetters.redrive(this.deps.wire, rt.resources, limit)
    if (moved > 0) {
      rt.redrivePending += moved
      rt.redriveCheckedAt = Date.now()
    }
    return moved
  }

  /** Counts for the management API (fresh, not cached). */
  async state(name: string) {
    const rt = await this.runtime(name)
    await rt.counts.refresh()
    const dead = await this.deps.wire.whileConnected(() => this.deps.jsm.streams.info(rt.resources.deadLetterStream, { subjects_filter: rt.resources.deadSubjects }))
      .then((info) => Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0), () => 0)
    // Redriven messages are delivered from the dead-letter stream's own consumer: the worker
    // sees them waiting and in flight like the others, so they are counted with them.
    const redrive = await this.deps.wire.whileConnected(() => this.deps.jsm.consumers.info(rt.resources.deadLetterStream, rt.resources.redriveDurable))
      .then((info) => ({ pending: info.num_pending, ackPending: info.num_ack_pending }), () => ({ pending: 0, ackPending: 0 }))
    const counts = rt.counts.latest!
    return {
      num_pending: counts.numPending + redrive.pending,
      num_ack_pending: counts.numAckPending + redrive.ackPending,
      dead_letters: dead
    }
  }
}
