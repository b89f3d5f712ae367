/**
 * A proxy in the test process, in front of a fresh database: a client role that may only
 * read synced tables, two syncs with proxy credentials each, and a fake Stripe writer.
 */
import { randomBytes } from "node:crypto"
import type { SecureContext } from "node:tls"
import { Collection, Database, Nats, Provisioning, ProxyCredentials, Secrets, SyncStore } from "@tributary/core"
import type { Connector, Ids } from "@tributary/core"
import { Proxy } from "@tributary/proxy"
import type { TablesConfig } from "@tributary/tables"
import { Fixtures } from "@tributary/testkit"
import { Effect, Exit, Layer, Redacted, Scope } from "effect"
import pg from "pg"

export interface Credential {
  readonly sync: Ids.SyncId
  readonly user: string
  readonly password: string
  readonly url: string
}

export interface ProxyStack {
  readonly port: number
  readonly ownerUrl: string
  /** The client role, connecting straight to Postgres (bypassing the proxy). */
  readonly clientRoleUrl: string
  /** Two syncs on two emulator accounts, and one whose API cannot be reached. */
  readonly a: Credential
  readonly b: Credential
  readonly down: Credential
  /** A sync of `a`'s account that mirrors customers only. */
  readonly customersOnly: Credential
  /** Give a credential a new password, as `tributary proxy credentials rotate` does. */
  readonly rotate: (credential: Credential) => Promise<Credential>
  /** The environment of a proxy service process (`services/proxy/src/main.ts`) on the same NATS namespace and databases. */
  readonly serviceEnv: Readonly<Record<string, string>>
  readonly stop: () => Promise<void>
}

export interface Api {
  readonly url: string
  /** One API key per sync: `a`, `b`. */
  readonly keys: readonly [string, string]
}

/** How long a write waits for the API: short, so the timeout test is quick. */
export const API_TIMEOUT_MS = 3_000

/** How long a login's, a write's and `/readyz`'s NATS reads wait: the service's default. */
export const NATS_READ_TIMEOUT_MS = 1_500

/** Servers of a test's own (one it stops and restarts), instead of the run's shared ones. */
export interface Servers {
  /** A superuser URL of the Postgres the proxy's database is created on. */
  readonly postgresUrl?: string
  readonly natsUrl?: string
}

/** `tables` is the proxy's TRIBUTARY_TABLES (a collection's `delete_mode`, mapped tables). */
export const start = async (
  connector: Connector.Connector,
  api: Api,
  tls?: SecureContext,
  servers: Servers = {},
  tables: TablesConfig.TablesConfig = {}
): Promise<ProxyStack> => {
  const ownerUrl = await Fixtures.freshDatabase("proxy", servers.postgresUrl)
  const natsUrl = servers.natsUrl ?? Fixtures.natsUrl()
  const role = Fixtures.uniqueName("client")
  const rolePassword = randomBytes(9).toString("hex")
  const admin = new pg.Client({ connectionString: ownerUrl })
  await admin.connect()
  await admin.query(`create role ${role} login password '${rolePassword}'`)
  await admin.end()
  const clientRoleUrl = Object.assign(new URL(ownerUrl), { username: role, password: rolePassword }).toString()

  const ns = Fixtures.namespace()
  const secretKey = randomBytes(32).toString("base64")
  const key = Redacted.make(secretKey)
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(
    Layer.mergeAll(
      Database.layer(Fixtures.postgresSettings(ownerUrl)),
      Nats.layer(Fixtures.natsSettings(ns, natsUrl)),
      Secrets.layer(key)
    ),
    scope
  ))
  const program = Effect.gen(function*() {
    yield* Provisioning.ensure()
    const credentials: Array<Credential> = []
    const syncs = [
      { api_key: api.keys[0], api_base_url: api.url },
      { api_key: api.keys[1], api_base_url: api.url },
      { api_key: "sk_test_unreachable", api_base_url: "http://127.0.0.1:1" },
      { api_key: api.keys[0], api_base_url: api.url, collections: [Collection.make("stripe", "customer")] }
    ]
    for (const { api_key, api_base_url, ...rest } of syncs) {
      const sync = yield* SyncStore.create({ source: "stripe", api_key, api_base_url, ...rest })
      const issued = yield* ProxyCredentials.issue("app", sync.id)
      credentials.push({ sync: sync.id, user: issued.credential.user, password: issued.password, url: "" })
    }
    const listening = yield* Proxy.make({
      settings: {
        host: "127.0.0.1",
        port: 0,
        upstreamUrl: Redacted.make(clientRoleUrl),
        tls,
        apiTimeoutMs: API_TIMEOUT_MS,
        natsReadTimeoutMs: NATS_READ_TIMEOUT_MS
      },
      tables,
      connectors: [connector]
    })
    return { listening, credentials }
  })
  const { listening, credentials } = await Effect.runPromise(program.pipe(Effect.provide(context), Scope.extend(scope)))
  const database = new URL(ownerUrl).pathname
  const withUrl = (c: Credential): Credential => ({
    ...c,
    url: `postgres://${c.user}:${c.password}@127.0.0.1:${listening.port}${database}`
  })
  return {
    port: listening.port,
    ownerUrl,
    clientRoleUrl,
    a: withUrl(credentials[0]!),
    b: withUrl(credentials[1]!),
    down: withUrl(credentials[2]!),
    customersOnly: withUrl(credentials[3]!),
    rotate: async (credential) => {
      const name = credential.user.slice(0, credential.user.indexOf("."))
      const issued = await Effect.runPromise(ProxyCredentials.issue(name, credential.sync).pipe(Effect.provide(context)))
      return withUrl({ ...credential, password: issued.password })
    },
    serviceEnv: {
      TRIBUTARY_NATS_URL: natsUrl,
      TRIBUTARY_NAMESPACE: ns.root,
      TRIBUTARY_POSTGRES_URL: ownerUrl,
      TRIBUTARY_PROXY_UPSTREAM_URL: clientRoleUrl,
      TRIBUTARY_SECRET_KEY: secretKey,
      TRIBUTARY_LOG_LEVEL: "warn"
    },
    stop: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
