/**
 * Never older over newer: the decision whether an observed version may replace the one
 * already published for a record. Pure, so it is tested on its own.
 *
 * Versions are intervals on the upstream's clock (`Connector.Version`). A candidate that
 * starts after the published version ends is newer; one that ends before it starts is
 * older and dropped, even when it arrives later (a late-listed event). Overlapping
 * intervals cannot be ordered, so the record is read afresh. A `read` that began after the
 * published version was published is newer by construction: the API is read-after-write
 * consistent, and this actor is the only writer.
 */
import type { Connector } from "@tributary/core"

export interface Published {
  /** The record's last message in `RECORDS` (its subject sequence), for `Nats-Expected-Last-Subject-Sequence`. */
  readonly seq: number
  readonly updatedIdx: number
  readonly version: Connector.Version
  readonly deleted: boolean
  readonly contentHash: string
  readonly changeId: string | undefined
  /** Local ms when this actor published (or confirmed) it; 0 for versions found in the stream at start. */
  readonly publishedAt: number
  /** When the message was stored in `RECORDS` (epoch ms). */
  readonly storedAt: number
}

export interface Candidate {
  readonly version: Connector.Version
  readonly origin: Connector.Origin
  readonly changeId: string | undefined
  readonly deleted: boolean
  readonly contentHash: string
  /** Local ms when the read that produced it began (reads only). */
  readonly readStartedAt: number | undefined
}

export type Verdict =
  /** Publish it. */
  | "publish"
  /** Newer, but the same content: remember the version, publish nothing. */
  | "unchanged"
  /** Older than what is published: drop it. */
  | "older"
  /** The very change that is already published (a re-listed event). */
  | "same"
  /** Cannot be ordered against what is published: read the record afresh. */
  | "refresh"

export const decide = (published: Published | undefined, candidate: Candidate): Verdict => {
  if (published === undefined) return "publish"
  if (candidate.changeId !== undefined && candidate.changeId === published.changeId) return "same"
  const newer = (candidate.origin === "read" && candidate.readStartedAt !== undefined &&
    candidate.readStartedAt >= published.publishedAt) || candidate.version.from > published.version.to
  if (!newer) return candidate.version.to < published.version.from ? "older" : "refresh"
  return candidate.contentHash === published.contentHash && candidate.deleted === published.deleted ? "unchanged" : "publish"
}

/**
 * `updated_idx`: the version's end in microseconds, so that values written by any writer
 * that derives it the same way (the proxy after a write) order with the sync's; bumped
 * when needed so that it increases strictly per record.
 */
export const nextUpdatedIdx = (published: Published | undefined, version: Connector.Version): number =>
  Math.max(published === undefined ? 0 : published.updatedIdx + 1, version.to * 1000)

/** The later of two versions, as remembered after an `unchanged` verdict. */
export const later = (a: Connector.Version, b: Connector.Version): Connector.Version => (b.from > a.to ? b : a)
