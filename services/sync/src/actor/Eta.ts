/**
 * The ETA of a whole backfill, from what its work items have cost so far. Pure: the backfill
 * samples its items every second and folds each sample into the previous estimate.
 *
 * Every work item of a sync draws on one request budget, so the backfill's remaining time is
 * its remaining requests over the rate it makes them. Time per item would not do: the items
 * share the budget, so an item's pace while many run says little about its pace once they
 * are done (it measured the wait for the others' tokens), and an item measured from the
 * backfill's start counted the time it waited before its first page.
 *
 * - An item that reports how far it is (`Page.progress`) needs what its pages cost per unit of
 *   progress times the progress left. Its first page is left out once a second one is in: it
 *   carries setup work (Stripe's probes for the oldest object) that later pages do not repeat.
 *   Requests already made for pages fetched ahead count as spent.
 * - An item that cannot tell (a list without totals, a page that reported nothing) needs at
 *   least one more page: what its pages have cost on average, or one request.
 * - The rate is the rate the backfill has made requests at so far, never above the budget: a
 *   backfill bound by publishing makes fewer requests than the budget allows, and its ETA says
 *   so. (Over the whole backfill, not the last seconds: tokens are reserved in bursts, an item
 *   that reads per parent reserving 16 at once.)
 *
 * The estimate is unknown until every unfinished item has published a page (or is refused and
 * retried) and one of them has told how far it is: an item whose first page is still coming
 * may be of any size (the biggest are often the last to report, their first page the dearest),
 * and an ETA shown before them would only climb. Once known it stays known, at least a second,
 * while work remains, and it is damped: each second the previous one counts down and moves part
 * of the way to the new one. Until it is known, `estimating` tells what it waits for.
 */
import type { SyncStatus } from "@tributary/core"

/** One work item as this run of the backfill has seen it. */
export interface ItemRun {
  readonly done: boolean
  /** Its progress (0–1) when this run began: a resumed item's checkpoint, 0 for a fresh one. */
  readonly from: number
  /** The progress its last published page reported, when it reports any. */
  readonly fraction: number | undefined
  /** Pages published in this run. */
  readonly pages: number
  /** Requests made for the pages published in this run. */
  readonly requests: number
  /** Requests made for it in this run so far, pages fetched ahead included. */
  readonly requestsMade: number
  /** The first page of this run that reported progress: its progress and the requests made up to it. */
  readonly first: { readonly fraction: number; readonly requests: number } | undefined
  /** The API refuses its pages for now (they are retried with back-off): no page of it may come for a while. */
  readonly retrying: boolean
}

export interface Sample {
  /** Epoch ms. */
  readonly at: number
  readonly items: ReadonlyArray<ItemRun>
  /** Requests the sync has made so far, every item's. */
  readonly requestsMade: number
  /** The sync's request budget. */
  readonly budgetPerSecond: number
}

export interface Estimate {
  readonly startedAt: number
  readonly requestsAtStart: number
  readonly at: number
  /** The backfill's request rate so far. */
  readonly requestsPerSecond: number
  /** Seconds left, damped; undefined until known. */
  readonly seconds: number | undefined
}

/** How fast the shown ETA follows a new estimate (beyond counting down). */
const ETA_TIME_CONSTANT_MS = 3_000

/** The backfill begins: the rate is the budget's until it shows otherwise. */
export const start = (at: number, requestsMade: number, budgetPerSecond: number): Estimate => ({
  startedAt: at,
  requestsAtStart: requestsMade,
  at,
  requestsPerSecond: budgetPerSecond,
  seconds: undefined
})

/** Requests an item's pages cost per unit of progress, when its pages tell. */
const costPerProgress = (item: ItemRun): number | undefined => {
  if (item.fraction === undefined) return undefined
  const { first } = item
  if (item.pages >= 2 && first !== undefined && item.fraction > first.fraction) {
    return (item.requests - first.requests) / (item.fraction - first.fraction)
  }
  if (item.fraction > item.from && item.requests > 0) return item.requests / (item.fraction - item.from)
  return undefined
}

/** Requests an item still needs, and whether its own progress measured them. */
export const remainingRequests = (item: ItemRun): { readonly requests: number; readonly measured: boolean } => {
  if (item.done) return { requests: 0, measured: false }
  const cost = costPerProgress(item)
  if (cost !== undefined && item.fraction !== undefined) {
    const aheadSpent = item.requestsMade - item.requests
    return { requests: Math.max(0, cost * (1 - item.fraction) - aheadSpent), measured: true }
  }
  return { requests: item.pages > 0 ? Math.max(1, item.requests / item.pages) : 1, measured: false }
}

/**
 * The undamped estimate of a sample, in seconds at the given request rate, and whether it may be
 * the first one shown (see above).
 */
export const raw = (items: ReadonlyArray<ItemRun>, requestsPerSecond: number): { readonly seconds: number; readonly told: boolean } => {
  let requests = 0
  let measured = false
  let allTold = true
  for (const item of items) {
    const left = remainingRequests(item)
    requests += left.requests
    measured ||= left.measured
    if (!item.done && item.pages === 0 && !item.retrying) allTold = false
  }
  return { seconds: requests / requestsPerSecond, told: measured && allTold }
}

const follow = (from: number, to: number, elapsedMs: number, timeConstantMs: number) =>
  from + (to - from) * (1 - Math.exp(-elapsedMs / timeConstantMs))

export const next = (previous: Estimate, sample: Sample): Estimate => {
  const elapsedMs = Math.max(0, sample.at - previous.at)
  const runningMs = sample.at - previous.startedAt
  const observed = runningMs <= 0
    ? sample.budgetPerSecond
    : ((sample.requestsMade - previous.requestsAtStart) * 1000) / runningMs
  // Tokens are counted when reserved, so a burst of waiting requests reads as more than the
  // budget; and a backfill that makes none (stalled) must not divide by zero.
  const requestsPerSecond = Math.min(sample.budgetPerSecond, Math.max(sample.budgetPerSecond / 100, observed))
  const base = { startedAt: previous.startedAt, requestsAtStart: previous.requestsAtStart, at: sample.at, requestsPerSecond }
  if (sample.items.every((item) => item.done)) return { ...base, seconds: undefined }
  const estimate = raw(sample.items, requestsPerSecond)
  if (previous.seconds === undefined) return { ...base, seconds: estimate.told ? estimate.seconds : undefined }
  const countedDown = previous.seconds - elapsedMs / 1000
  return { ...base, seconds: Math.max(1, follow(countedDown, estimate.seconds, elapsedMs, ETA_TIME_CONSTANT_MS)) }
}

/** The ETA as the status and the logs give it: whole seconds. */
export const shown = (estimate: Estimate): number | undefined =>
  estimate.seconds === undefined ? undefined : Math.max(1, Math.round(estimate.seconds))

/**
 * While the ETA is unknown: the items that have not published a page yet, the requests made
 * for them (their first pages' setup: Stripe's probes), and the seconds the items that have
 * told how far they are still need, at the estimate's rate. Undefined once the ETA is known,
 * the backfill is done, or nothing is left to estimate from.
 */
export const estimating = (estimate: Estimate, sample: Sample): SyncStatus.Estimating | undefined => {
  if (estimate.seconds !== undefined || sample.items.every((item) => item.done)) return undefined
  let workItems = 0
  let requests = 0
  let told = 0
  let measured = false
  for (const item of sample.items) {
    if (item.done) continue
    if (item.pages === 0 && !item.retrying) {
      workItems += 1
      requests += item.requestsMade
      continue
    }
    const left = remainingRequests(item)
    told += left.requests
    measured ||= left.measured
  }
  // Every item has published and none has told how far it is: nothing is being estimated,
  // the ETA is simply unknown (a status saying "0 work items estimating" would never end).
  if (workItems === 0 && !measured) return undefined
  return {
    work_items: workItems,
    requests,
    ...(measured ? { eta_seconds_at_least: Math.max(1, Math.round(told / estimate.requestsPerSecond)) } : {})
  }
}
