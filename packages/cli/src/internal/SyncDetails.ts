/**
 * `syncs show` as text: one sync's config (never its API key) and status, then its backfill's
 * progress per collection, as `GET /v1/syncs/{id}` gives them.
 */
import type { SyncConfig, SyncStatus } from "@tributary/core"
import { Option } from "effect"
import { etaOf } from "./EtaText.js"

/** A labelled line, the values aligned. */
const field = (label: string, value: string) => `${`${label}:`.padEnd(14)}${value}`

/** The config and status, as the management API answers them (`api_key` is never there). */
export const json = (sync: SyncConfig.SyncConfig, status: Option.Option<SyncStatus.SyncStatus>) => {
  const { api_key: _key, ...config } = sync
  return { ...config, status: Option.getOrNull(status) }
}

export const lines = (sync: SyncConfig.SyncConfig, status: Option.Option<SyncStatus.SyncStatus>): ReadonlyArray<string> => {
  const out = [
    field("sync", sync.id),
    ...(sync.name === undefined ? [] : [field("name", sync.name)]),
    field("source", sync.source),
    field("state", sync.state),
    field("collections", sync.collections === "all" ? "all" : sync.collections.join(", ")),
    ...(sync.account === undefined ? [] : [field("account", sync.account)]),
    ...(sync.api_base_url === undefined ? [] : [field("api base url", sync.api_base_url)]),
    ...(sync.external_id === null ? [] : [field("external id", sync.external_id)]),
    ...(Object.keys(sync.metadata).length === 0 ? [] : [field("metadata", JSON.stringify(sync.metadata))]),
    field("rate budget", `${Math.round(sync.rate_budget.share * 1000) / 10}% of ${
      sync.rate_budget.quota_per_second === undefined ? "the source's quota for the key" : `${sync.rate_budget.quota_per_second} req/s`
    }`),
    field("delete mode", sync.delete_mode),
    field("created", sync.created_at)
  ]
  if (Option.isNone(status)) return [...out, field("phase", "- (no replica has taken it up yet)")]
  const s = status.value
  const eta = s.phase === "backfilling" ? etaOf(s) : undefined
  out.push(
    field("phase", s.phase),
    ...(s.owner === undefined ? [] : [field("owner", s.owner)]),
    ...(s.reason === undefined ? [] : [field("reason", s.reason)]),
    ...(eta === undefined ? [] : [field("eta", eta.replace(/^eta /, ""))]),
    ...(s.lag_seconds === undefined ? [] : [field("lag", `${s.lag_seconds.toFixed(1)}s`)]),
    field("updated", s.updated_at)
  )
  const progress = Object.entries(s.progress)
  if (progress.length === 0) return out
  const width = Math.max("COLLECTION".length, ...progress.map(([collection]) => collection.length))
  out.push("", `${"COLLECTION".padEnd(width)} ${"RECORDS".padStart(9)} ${"PAGES".padStart(7)}  BACKFILL`)
  for (const [collection, p] of progress) {
    out.push(`${collection.padEnd(width)} ${String(p.records).padStart(9)} ${String(p.pages).padStart(7)}  ${p.done ? "done" : "running"}`)
  }
  return out
}
