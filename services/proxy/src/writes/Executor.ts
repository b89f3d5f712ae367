/**
 * Running one write to a synced table, API first:
 *
 *   1. on a reader connection (the client role, with the client's TimeZone, DateStyle and
 *      IntervalStyle: ReaderSessions), find the rows: evaluate an INSERT's VALUES, or read
 *      the ids an UPDATE/DELETE touches with its own WHERE; refuse past the API's row limit
 *      and rows of other syncs;
 *   2. send the write to the API through the sync's connector (one request per statement;
 *      the connector's batch size says how the rows are carried);
 *   3. in one transaction of the owner role, apply what the API returned with the sink's
 *      versioned upsert (a single statement's own transaction when the upsert is one
 *      statement); then read RETURNING back on a reader connection.
 *
 * The client's own session is never used, so the write escapes the client's transaction.
 * A CancelRequest for the session (WriteCancel) ends step 2's wait as the session's
 * statement_timeout does (57014), and before it sends nothing; once the API has answered,
 * step 3 runs: the change is the API's.
 */
import { randomUUID } from "node:crypto"
import { Record as CoreRecord } from "@tributary/core"
import type { Collection, Connector, Ids, ProxyCredentials, SyncConfig } from "@tributary/core"
import type pg from "pg"
import type { Report } from "../wire/Backend.js"
import * as UnexpectedFailure from "../session/UnexpectedFailure.js"
import type { Accepted, ExecuteRequest, WriteOutcome } from "../session/Writes.js"
import type { WritePlan } from "../sql/WritePlan.js"
import * as ErrorMapping from "./ErrorMapping.js"
import { asText, MalformedParameter, UnsupportedParameter } from "./Parameters.js"
import * as ParameterTypes from "./ParameterTypes.js"
import * as Queries from "./Queries.js"
import type { ReaderSessions } from "./ReaderSessions.js"
import * as Results from "./Results.js"
import type { Queryable } from "./Results.js"
import * as Send from "./Send.js"
import * as SendFunctions from "./SendFunctions.js"
import * as ReadOnly from "./ReadOnly.js"
import * as SessionText from "./SessionText.js"
import * as StatementTimeout from "./StatementTimeout.js"

/** A record in its JSON encoding (what RECORDS carries), as the tables' `applyEncoded` takes it. */
export interface EncodedRecord {
  readonly sync: Ids.SyncId
  readonly collection: Collection.CollectionId
  readonly upstreamId: string
  readonly json: string
}

export interface SyncWriter {
  readonly config: SyncConfig.SyncConfig
  readonly writer: Connector.Writer
}

export interface ExecutorDeps {
  /** Connections as the tables' owner: the apply. */
  readonly pool: pg.Pool
  /** Connections as the client role: everything that evaluates the user's SQL. */
  readonly readers: ReaderSessions
  /** The sink's versioned upsert, on the caller's connection and transaction. */
  readonly apply: (client: pg.ClientBase, records: ReadonlyArray<EncodedRecord>, config: SyncConfig.SyncConfig) => Promise<void>
  /** Whether `apply` of these records is one statement, atomic without a transaction block. */
  readonly appliesInOneStatement: (records: ReadonlyArray<EncodedRecord>, config: SyncConfig.SyncConfig) => boolean
  readonly writerFor: (sync: Ids.SyncId) => Promise<SyncWriter | Report>
  readonly apiTimeoutMs: number
  /** A failure the steps did not foresee, logged with its stack (UnexpectedFailure). */
  readonly unexpected: (error: unknown) => void
}

const nest = (values: Readonly<Record<string, unknown>>, plan: WritePlan, dropNulls: boolean) => {
  const out: Record<string, unknown> = {}
  const columns = new Map([...plan.relation.table.writable.values()].map((c) => [c.name, c]))
  for (const [name, value] of Object.entries(values)) {
    if (value === null && dropNulls) continue
    const path = columns.get(name)?.path ?? [name]
    let at = out
    for (const key of path.slice(0, -1)) {
      const next = (at[key] ?? {}) as Record<string, unknown>
      at[key] = next
      at = next
    }
    at[path[path.length - 1]!] = value
  }
  return out
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

const refusal = (code: string, message: string, hint: string, plan: WritePlan): WriteOutcome => ({
  ok: false,
  report: { severity: "ERROR", code, message, hint, schema: plan.relation.table.schema, table: plan.relation.table.table }
})

const stopReport = (stop: Send.Stop, wait: StatementTimeout.ApiWait, table: WritePlan["relation"]["table"]): Report => {
  if (stop._tag === "Refused") return ErrorMapping.fromUpstream(stop.error, table)
  if (stop._tag === "Canceled") return ErrorMapping.canceledByUser(true, table)
  return wait.statementTimeoutMs === undefined
    ? ErrorMapping.sentWithoutAnswer(table.schema, `no answer within ${wait.ms} ms`, table)
    : ErrorMapping.statementTimedOut(wait.statementTimeoutMs, true, table)
}

export const make = (deps: ExecutorDeps) => {
  const sendFunctions = SendFunctions.make()
  const execute = async (
    credential: ProxyCredentials.ProxyCredential,
    request: ExecuteRequest<WritePlan>,
    canceled: AbortSignal,
    progress: { accepted?: Accepted }
  ): Promise<WriteOutcome> => {
    const started = performance.now()
    const plan = request.write
    const table = plan.relation.table
    const qualified = `${table.schema}.${table.table}`
    const unwritable = ReadOnly.refusal(request.sessionParameters, plan.action) ?? SessionText.refusal(request.sessionParameters)
    if (unwritable !== undefined) return { ok: false, report: { ...unwritable, schema: table.schema, table: table.table } }
    // The user's expressions (VALUES, SET, WHERE, FROM/USING, RETURNING) run on the readers'
    // connections, logged in as the client role: with the client's privileges, never the owner's.
    const asClient = <A>(work: (client: Queryable) => Promise<A>, cancelable?: AbortSignal) =>
      deps.readers.use(request.sessionParameters, work, cancelable)
    let parameters: Array<string | null>
    try {
      const types = ParameterTypes.unspecified(request.parameterFormats, request.parameterTypes)
        ? await asClient((client) => ParameterTypes.inferred(client, plan.statement, request.parameterTypes, request.parameters.length))
        : request.parameterTypes
      parameters = asText(request.parameters, request.parameterFormats, types)
    } catch (error) {
      if (error instanceof UnsupportedParameter) return refusal("0A000", error.message, "Send the parameter in text format.", plan)
      if (error instanceof MalformedParameter) return refusal("22P03", error.message, "Check the parameter's type in Parse and its bytes in Bind.", plan)
      return { ok: false, report: { ...ErrorMapping.fromDatabase(error), schema: table.schema, table: table.table } }
    }
    const target = await deps.writerFor(credential.sync_id)
    if (!("writer" in target)) return { ok: false, report: target }
    const { writer, config } = target
    if (config.collections !== "all" && !config.collections.includes(table.collection)) {
      return refusal(
        "42501",
        `permission denied: sync ${config.id} does not mirror ${table.collection}, so its credentials cannot write ${qualified}`,
        `Add ${table.collection} to the sync's collections, or write through the credentials of a sync that mirrors it.`,
        plan
      )
    }
    const impossible = writer.refuses(table.collection, plan.action)
    if (impossible !== undefined) return refusal("0A000", impossible.message, impossible.hint, plan)
    const limit = writer.maxRowsPerStatement

    let found: ReadonlyArray<FoundRow>
    let shape: Results.Shape | SendFunctions.NoSendFunction | undefined
    try {
      // RETURNING is checked (privileges, columns, types the client asked in binary) before
      // anything is sent: it is read after the API call. Both queries are pipelined on one connection.
      ;[found, shape] = await asClient((client) =>
        Promise.all([
          findRows(client, plan, parameters, limit + 1),
          plan.returning === undefined ? Promise.resolve(undefined) : describeReturning(client, plan, request.resultFormats, sendFunctions)
        ]), canceled)
    } catch (error) {
      // The cancel reached the rows' query: said as a cancel before the API call is said.
      if (canceled.aborted) return { ok: false, report: ErrorMapping.canceledByUser(false, table) }
      return { ok: false, report: { ...ErrorMapping.fromDatabase(error), schema: table.schema, table: table.table } }
    }
    if (shape !== undefined && "typeName" in shape) {
      return refusal(
        "42883",
        `no binary output function available for type ${shape.typeName}`,
        "Ask for that RETURNING column in text format.",
        plan
      )
    }
    const fields = shape === undefined ? {} : { fields: shape.fields }
    if (found.length > limit) return { ok: false, report: ErrorMapping.tooManyRows(table, limit, plan.action) }
    const foreign = found.find((row) => row.sync_id !== undefined && row.sync_id !== credential.sync_id)
    if (foreign !== undefined) {
      return refusal(
        "42501",
        `permission denied: ${qualified} row ${foreign.upstream_id} belongs to sync ${foreign.sync_id}, and this credential writes only sync ${credential.sync_id}`,
        `Connect with the proxy credentials of sync ${foreign.sync_id}, or narrow the WHERE clause to rows with sync_id = '${credential.sync_id}'.`,
        plan
      )
    }
    if (found.length === 0) return { ok: true, result: { rows: [], tag: tagOf(plan, 0), notices: [], ...fields } }

    const ops: Array<Connector.WriteOp> = found.map((row) => ({
      action: plan.action,
      collection: table.collection,
      ...(row.upstream_id === undefined ? {} : { upstreamId: row.upstream_id }),
      values: nest(row.values ?? {}, plan, plan.action === "insert"),
      idempotencyKey: `tributary-proxy-${randomUUID()}`
    }))
    // The session's statement_timeout, counted from the write's start, bounds the API's answer too.
    const wait = StatementTimeout.apiWait(deps.apiTimeoutMs, request.sessionParameters.get("statement_timeout"), performance.now() - started)
    if (wait.ms === 0 && wait.statementTimeoutMs !== undefined) {
      return { ok: false, report: ErrorMapping.statementTimedOut(wait.statementTimeoutMs, false, table) }
    }
    // Canceled as the rows were found (a cancel that reached their query failed it above, with
    // Postgres' own 57014): nothing is sent.
    if (canceled.aborted) return { ok: false, report: ErrorMapping.canceledByUser(false, table) }
    const sent = await Send.send(writer, ops, wait.ms, canceled)
    const stopped = sent.stop === undefined ? undefined : stopReport(sent.stop, wait, table)
    if (stopped !== undefined && sent.written.length === 0) return { ok: false, report: stopped }
    const observations = sent.written
    const ids = observations.map((o) => o.upstreamId)
    const accepted: Accepted = { schema: table.schema, table: table.table, ids }
    if (ids.length > 0) progress.accepted = accepted
    const sync = { id: config.id, external_id: config.external_id, metadata: config.metadata }
    // Encoded by hand, as the sync builds its record bodies: a Schema class per row costs a millisecond.
    const records = observations.map((o, i) => {
      const id = CoreRecord.recordIdFor(config.id, o.collection, o.upstreamId)
      const json = JSON.stringify({
        id,
        upstream_id: o.upstreamId,
        collection_id: o.collection,
        sync,
        deleted: o.deleted,
        updated_idx: o.version.to * 1000,
        upstream_created_at: iso(o.createdAt),
        upstream_updated_at: iso(o.version.from),
        data: o.data ?? found[i]?.data ?? {}
      })
      return { id, encoded: { sync: config.id, collection: o.collection, upstreamId: o.upstreamId, json } }
    })
    const recordIds = records.map((r) => r.id)
    const readReturning = (returning: Results.Shape) =>
      asClient((client) => Results.rows(client, Queries.returning(plan, plan.returning!, returning.senders), [recordIds], returning))

    let returned: ReadonlyArray<ReadonlyArray<Buffer | null>> | undefined
    try {
      // A deleted row may be gone after the apply: read what it returns first.
      if (shape !== undefined && plan.action === "delete") returned = await readReturning(shape)
      await applyAsOwner(deps, records.map((r) => r.encoded), config)
    } catch (error) {
      return { ok: false, report: ErrorMapping.notApplied(table.schema, ids, errorMessage(error), table) }
    }
    // Part of the statement is in the API and now here too; the client learns which part.
    if (stopped !== undefined) return { ok: false, report: ErrorMapping.partlyWritten(stopped, ids, ops.length, sent.unsent, table) }
    try {
      if (returned === undefined && shape !== undefined) returned = await readReturning(shape)
    } catch (error) {
      return { ok: false, report: ErrorMapping.returningUnread(table.schema, ids, errorMessage(error), table) }
    }
    const notices: Array<Report> = request.inTransaction
      ? [{
        severity: "NOTICE",
        code: "00000",
        message: `the ${plan.action} on ${qualified} was applied to ${table.schema} and committed outside your transaction block`,
        hint: "Writes to synced tables go to the API at once and escape transactions: a ROLLBACK does not undo them."
      }]
      : []
    return {
      ok: true,
      result: {
        rows: returned ?? [],
        tag: tagOf(plan, records.length),
        notices,
        accepted,
        ...fields
      }
    }
  }
  /**
   * Anything the steps above did not foresee is still an ERROR, never a FATAL: the client's
   * own session upstream was not touched, so the connection goes on. Once the API has
   * accepted the write, the error says so, with its ids (UnexpectedFailure).
   */
  const executeGuarded = async (
    credential: ProxyCredentials.ProxyCredential,
    request: ExecuteRequest<WritePlan>,
    canceled: AbortSignal
  ): Promise<WriteOutcome> => {
    const progress: { accepted?: Accepted } = {}
    try {
      return await execute(credential, request, canceled, progress)
    } catch (error) {
      deps.unexpected(error)
      const { schema, table } = request.write.relation.table
      return { ok: false, report: { schema, table, ...UnexpectedFailure.report(error, progress.accepted) } }
    }
  }
  return { execute: executeGuarded }
}

/**
 * The versioned upsert, in one transaction of the owner role. A single statement is its own
 * transaction: without `begin` and `commit` around it the apply is one round trip, not three.
 */
const applyAsOwner = async (deps: ExecutorDeps, records: ReadonlyArray<EncodedRecord>, config: SyncConfig.SyncConfig) => {
  const client = await deps.pool.connect()
  if (deps.appliesInOneStatement(records, config)) {
    try {
      await deps.apply(client, records, config)
    } finally {
      client.release()
    }
    return
  }
  try {
    await client.query("begin")
    await deps.apply(client, records, config)
    await client.query("commit")
  } catch (error) {
    await client.query("rollback").catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

interface FoundRow {
  readonly upstream_id?: string
  readonly sync_id?: string
  readonly values?: Readonly<Record<string, unknown>>
  readonly data?: Readonly<Record<string, unknown>>
}

const findRows = async (
  client: Queryable,
  plan: WritePlan,
  parameters: ReadonlyArray<string | null>,
  limit: number
): Promise<ReadonlyArray<FoundRow>> => {
  if (plan.action === "insert") {
    if (plan.source === undefined) return [{ values: {} }]
    const result = await client.query<{ values: Record<string, unknown> }>(Queries.insertRows(plan, limit), [...parameters])
    return result.rows.map((row) => ({ values: row.values }))
  }
  const result = await client.query<FoundRow>(Queries.targetRows(plan, limit), [...parameters])
  return result.rows
}

const tagOf = (plan: WritePlan, count: number) =>
  plan.action === "insert" ? `INSERT 0 ${count}` : `${plan.action.toUpperCase()} ${count}`

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** RETURNING's columns, read before the write (a statement that touches nothing still describes them). */
const describeReturning = (
  client: Queryable,
  plan: WritePlan,
  formats: ReadonlyArray<number>,
  sendFunctions: SendFunctions.SendFunctions
) => Results.describe(client, `${Queries.returning(plan, plan.returning!)} limit 0`, [[]], formats, sendFunctions)
