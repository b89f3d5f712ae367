/**
 * A replica's copy of one consumer's counts from JetStream (its consumer info): `next` reads
 * them on every request, and asking JetStream each time would cost a round trip per batch, so
 * they are kept for a quarter second and refreshed in the background once older.
 *
 * Made anew for each config of a consumer, never carried over: a new config can be a consumer
 * deleted and made again under the same name (through another replica), whose ack floor starts
 * over; the old one's, taken as the floor of a record without a lease, would ack its changes unseen.
 */
import type { ConsumerInfo } from "@nats-io/jetstream"
import * as ConsumerGone from "./ConsumerGone.js"
import { UnknownConsumer } from "./Failures.js"

export interface Counts {
  readonly numPending: number
  readonly numAckPending: number
  readonly ackFloor: number
  /**
   * The stream sequence JetStream had delivered up to (its first deliveries go in stream order):
   * a message at or below it was delivered before these counts, so `numAckPending` holds it while
   * it is in flight, redeliveries included.
   */
  readonly deliveredStreamSeq: number
  /** When JetStream answered them (ms since the epoch). */
  readonly at: number
}

/**
 * `num_ack_pending` once messages of the consumer's stream (their stream sequences) are handed
 * out: the counts plus those they do not hold yet. Not plus all of them: counts JetStream answered
 * after the pull (another request on the replica refreshed them meanwhile) hold the batch already,
 * and a redelivered message is in flight, and counted, since its first delivery.
 */
export const ackPendingWith = (counts: Counts, streamSeqs: ReadonlyArray<number>): number =>
  counts.numAckPending + streamSeqs.filter((seq) => seq > counts.deliveredStreamSeq).length

/** Older cached counts are refreshed: new enough for `next`'s answer, one consumer info per quarter second at most. */
export const MAX_AGE_MS = 250

export class CachedCounts {
  private counts: Counts | undefined
  /** The refresh in progress: callers at the same moment share one consumer info. */
  private refreshing: Promise<void> | undefined

  /**
   * `info`: the consumer's JetStream consumer info, as JetStream answers (or fails).
   * `consumer`: the consumer's name, for `UnknownConsumer`.
   */
  constructor(private readonly consumer: string, private readonly info: () => Promise<ConsumerInfo>) {}

  /** The counts last read, whatever their age; `undefined` before the first read. */
  get latest(): Counts | undefined {
    return this.counts
  }

  /** Fresh counts; JetStream saying the consumer is not there is `UnknownConsumer` (deleted through another replica). */
  refresh(): Promise<Counts> {
    this.refreshing ??= this.info().then((info) => {
      this.counts = {
        numPending: info.num_pending,
        numAckPending: info.num_ack_pending,
        ackFloor: info.ack_floor.stream_seq,
        deliveredStreamSeq: info.delivered.stream_seq,
        at: Date.now()
      }
    }, (error: unknown) => {
      throw ConsumerGone.isGone(error) ? new UnknownConsumer(this.consumer) : error
    }).finally(() => {
      this.refreshing = undefined
    })
    return this.refreshing.then(() => this.counts!)
  }

  /**
   * The cached counts, refreshed in the background once older than `MAX_AGE_MS` (the request
   * does not wait for JetStream); the first call for a consumer waits for them.
   */
  async recent(): Promise<Counts> {
    if (this.counts === undefined) await this.refresh()
    else if (Date.now() - this.counts.at > MAX_AGE_MS) this.refresh().catch(() => {})
    return this.counts!
  }
}
