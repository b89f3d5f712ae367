/**
 * `syncs list` as a table: a row per sync from its config and status, and columns as wide as
 * their widest value, so a long sync id does not push a row out from under the header.
 */
import type { SyncConfig, SyncStatus } from "@tributary/core"
import { Option } from "effect"
import { etaOf } from "./EtaText.js"

/** A line of `syncs list`, as its columns. */
export interface Row {
  readonly sync: string
  readonly source: string
  readonly state: string
  readonly phase: string
  readonly backfilled: string
  readonly detail: string
}

export const row = (sync: SyncConfig.SyncConfig, status: Option.Option<SyncStatus.SyncStatus>): Row =>
  Option.match(status, {
    onNone: () => ({ sync: sync.id, source: sync.source, state: sync.state, phase: "-", backfilled: "0", detail: "" }),
    onSome: (s) => ({
      sync: sync.id,
      source: sync.source,
      state: sync.state,
      phase: s.phase,
      // BACKFILLED is what the backfill read (the status's progress), not the rows there are now.
      backfilled: String(Object.values(s.progress).reduce((total, p) => total + p.records, 0)),
      detail: [
        s.owner === undefined ? undefined : `on ${s.owner}`,
        s.phase !== "backfilling" ? undefined : etaOf(s),
        s.lag_seconds === undefined ? undefined : `lag ${s.lag_seconds.toFixed(1)}s`,
        s.reason
      ].filter((part) => part !== undefined).join("; ")
    })
  })

const header: Row = { sync: "SYNC", source: "SOURCE", state: "STATE", phase: "PHASE", backfilled: "BACKFILLED", detail: "DETAIL" }

/** The lines, each column as wide as its widest value (at least the usual width), so they stay under the header. */
export const lines = (rows: ReadonlyArray<Row>): ReadonlyArray<string> => {
  const all = [header, ...rows]
  const width = (column: keyof Row, least: number) => Math.max(least, ...all.map((line) => line[column].length))
  const [sync, source, state, phase, backfilled] = [width("sync", 26), width("source", 8), width("state", 7), width("phase", 12), width("backfilled", 10)]
  return all.map((line) =>
    `${line.sync.padEnd(sync)} ${line.source.padEnd(source)} ${line.state.padEnd(state)} ${line.phase.padEnd(phase)} ` +
    `${line.backfilled.padStart(backfilled)}  ${line.detail}`.trimEnd()
  )
}

