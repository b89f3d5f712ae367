import type { SyncStatus } from "@tributary/core"

/** A backfill's ETA, or while it is still unknown what it waits for (core's `SyncStatus.Estimating`). */
export const etaOf = (status: SyncStatus.SyncStatus): string | undefined => {
  if (status.eta_seconds !== undefined) return `eta ${status.eta_seconds}s`
  const estimating = status.estimating
  if (estimating === undefined) return undefined
  const atLeast = estimating.eta_seconds_at_least === undefined ? "" : `, at least ${estimating.eta_seconds_at_least}s`
  return `eta estimating (${estimating.work_items} work items probing${atLeast})`
}
