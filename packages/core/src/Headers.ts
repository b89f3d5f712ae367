/**
 * Message headers on `RECORDS` and `EVENTS`. They repeat what identifies a message, so a
 * consumer (the sink, the gateway, a `nats` CLI user) can route or filter without
 * parsing the JSON body.
 */
export const RECORD_ID = "Tributary-Record-Id"
export const UPSTREAM_ID = "Tributary-Upstream-Id"
export const COLLECTION = "Tributary-Collection"
export const SYNC_ID = "Tributary-Sync-Id"
/** The record's `updated_idx`, in decimal. */
export const UPDATED_IDX = "Tributary-Updated-Idx"
/** `true` when the record is deleted upstream. */
export const DELETED = "Tributary-Deleted"
/** On `EVENTS`: `created`, `updated` or `deleted`. */
export const ACTION = "Tributary-Action"
/**
 * On `RECORDS`: when the version was current upstream, `<from>-<to>` in epoch ms (see
 * `Connector.Version`). The sync's ordering guard reads it back after a restart.
 */
export const UPSTREAM_VERSION = "Tributary-Upstream-Version"
/** On `RECORDS`: a hash of the record's data and deleted flag, so an unchanged re-read is not republished. */
export const CONTENT_HASH = "Tributary-Content-Hash"
/** The upstream change the version comes from (`evt_…`), when there is one. */
export const CHANGE_ID = "Tributary-Change-Id"

/** The headers that identify a record's message, as name/value pairs (any client can set them). */
export const identityOf = (record: {
  readonly id: string
  readonly upstream_id: string
  readonly collection_id: string
  readonly sync: { readonly id: string }
  readonly updated_idx: number
  readonly deleted: boolean
}): ReadonlyArray<readonly [string, string]> => [
  [RECORD_ID, record.id],
  [UPSTREAM_ID, record.upstream_id],
  [COLLECTION, record.collection_id],
  [SYNC_ID, record.sync.id],
  [UPDATED_IDX, String(record.updated_idx)],
  [DELETED, String(record.deleted)]
]
