/**
 * Stripe's clock, as seen through its replies. Versions are compared across reads and
 * events, and event `created` times come from Stripe's clock, so reads are placed on that
 * clock too: by the reply's `Date` header (whole seconds) when there is one, else by ours
 * shifted by the last offset seen.
 */
import type { Connector } from "@tributary/core"

export interface UpstreamClock {
  /** The interval in which a read that was sent at `sentAt` and answered at `receivedAt` (local ms) saw its data. */
  readonly observe: (dateHeader: string | undefined, sentAt: number, receivedAt: number) => Connector.Version
  /** Stripe's time now, in ms (best estimate). */
  readonly now: () => number
  /** Whether a reply has told Stripe's time yet; before one, `now` is only ours. */
  readonly synced: () => boolean
}

export const make = (): UpstreamClock => {
  /** Stripe time minus local time, from the last `Date` header. */
  let offsetMs = 0
  let synced = false
  return {
    observe: (dateHeader, sentAt, receivedAt) => {
      const date = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader)
      if (Number.isNaN(date)) return { from: sentAt + offsetMs, to: receivedAt + offsetMs }
      // The reply was written within the `Date` second; the data was read after the request
      // left us, which is at most the round trip before the reply.
      offsetMs = date + 500 - receivedAt
      synced = true
      return { from: date - (receivedAt - sentAt), to: date + 999 }
    },
    now: () => Date.now() + offsetMs,
    synced: () => synced
  }
}
