/**
 * The relay against real Postgres with a recorder for its write path: a database of the
 * test's own with `stripe.customers`, and a listening proxy whose writes are kept (a delete
 * stands for a write the API refuses) and whose name resolution puts every name in the
 * search_path's first schema (the catalog's part is test/proxy's).
 */
import { randomBytes } from "node:crypto"
import { Collection, ProxyCredentials, SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { Option } from "effect"
import pg from "pg"
import { listen } from "../../src/Listener.js"
import type { Listening } from "../../src/Listener.js"
import type { ExecuteRequest, WriteOutcome, Writes } from "../../src/session/Writes.js"
import * as Classify from "../../src/sql/Classify.js"
import * as SyncedTables from "../../src/sql/SyncedTables.js"
import type { WritePlan } from "../../src/sql/WritePlan.js"
import * as UpstreamTarget from "../../src/upstream/UpstreamTarget.js"

const customers: SyncedTables.SyncedTable = {
  collection: Collection.make("stripe", "customer"),
  schema: "stripe",
  table: "customers",
  writable: new Map([["email", { name: "email", type: "text", path: ["email"] }]]),
  computed: new Set()
}

/** A new database named `<prefix>_<random>` holding `stripe.customers`; its URL. */
export const freshDatabase = async (prefix: string): Promise<{ readonly database: string; readonly url: URL }> => {
  const admin = Fixtures.postgresUrl()
  const database = `${prefix}_${randomBytes(5).toString("hex")}`
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  await client.query(`create database ${database}`)
  await client.end()
  const url = Object.assign(new URL(admin), { pathname: `/${database}` })
  const setup = new pg.Client({ connectionString: url.toString() })
  await setup.connect()
  await setup.query("create schema stripe; create table stripe.customers (email text)")
  await setup.end()
  return { database, url }
}

export interface RecordingProxy {
  readonly listening: Listening
  readonly user: string
  readonly password: string
  /** Every write handed to the write path, in order. */
  readonly executed: Array<ExecuteRequest<WritePlan>>
  /** The search_path each name resolution was asked with. */
  readonly resolvedWith: Array<string>
  /** What the sessions logged. */
  readonly logged: Array<{ readonly level: string; readonly message: string; readonly fields?: Record<string, unknown> }>
}

export interface Options {
  /** In place of the recorder's outcome (the request is still recorded). */
  readonly execute?: (request: ExecuteRequest<WritePlan>) => Promise<WriteOutcome>
}

/** A proxy in front of `upstream` (a Postgres URL), logging in one user of one sync. */
export const start = async (upstream: string, options: Options = {}): Promise<RecordingProxy> => {
  const password = randomBytes(12).toString("hex")
  const user = ProxyCredentials.userFor("app", SyncStore.newSyncId())
  const executed: Array<ExecuteRequest<WritePlan>> = []
  const resolvedWith: Array<string> = []
  const logged: RecordingProxy["logged"] = []
  await Classify.load()
  const classifier = Classify.make(SyncedTables.make([customers]))
  const writes: Writes<WritePlan> = {
    verdict: classifier.verdict,
    certainlyPasses: classifier.certainlyPasses,
    execute: async (request) => {
      executed.push(request)
      if (options.execute !== undefined) return options.execute(request)
      if (request.write.action === "delete") return { ok: false, report: { severity: "ERROR", code: "23514", message: "refused" } }
      return { ok: true, result: { rows: [], tag: "INSERT 0 1", notices: [] } }
    },
    resolveNames: async (searchPath, names) => {
      resolvedWith.push(searchPath)
      const first = searchPath.split(",")[0]!.trim()
      return { ok: true, schemas: new Map(names.map((name) => [name, first])) }
    }
  }
  const credential = new ProxyCredentials.ProxyCredential({
    user,
    name: "app",
    sync_id: ProxyCredentials.parseUser(user).pipe(Option.getOrThrow).sync,
    verifier: ProxyCredentials.encodeVerifier(ProxyCredentials.scramSecret(password)),
    created_at: new Date().toISOString(),
    rotated_at: new Date().toISOString()
  })
  const listening = await listen<WritePlan>({
    host: "127.0.0.1",
    port: 0,
    upstream: UpstreamTarget.fromUrl(upstream),
    tls: undefined,
    lookup: async (name) => name === user ? Option.some(credential) : Option.none(),
    writesFor: () => writes,
    log: (level, message, fields) => logged.push({ level, message, ...(fields === undefined ? {} : { fields }) })
  })
  return { listening, user, password, executed, resolvedWith, logged }
}
