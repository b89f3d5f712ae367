/**
 * A real PostgreSQL cluster (`initdb` + `postgres`) on a free port, in a directory of its
 * own. PostgreSQL refuses to run as root, so under root (as in CI) the cluster runs as
 * the unprivileged `nobody` user.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import pg from "pg"
import * as Binaries from "./Binaries.js"
import * as Child from "./Child.js"
import { freePort } from "./internal/Ports.js"
import * as Process from "./internal/Process.js"

export interface PostgresServer {
  /** Superuser URL of the `tributary` database. */
  readonly url: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly dir: string
  /** Fast shutdown: sessions are aborted, data is kept. */
  readonly stop: () => Promise<void>
  /** A crash: immediate shutdown without a checkpoint. */
  readonly kill: () => Promise<void>
  readonly restart: () => Promise<void>
  /** A new, empty database for one test; returns its URL. */
  readonly freshDatabase: (name: string) => Promise<string>
}

export interface Options {
  readonly dir: string
  readonly port?: number
  readonly password: string
  /** Durable writes. Tests turn this off for speed; `npm run up` keeps it on. */
  readonly durable?: boolean
}

export const USER = "tributary"
export const DATABASE = "tributary"

export const missingMessage =
  "PostgreSQL server binaries not found. Install them with `apt-get install postgresql` (Debian/Ubuntu), " +
  "or set TRIBUTARY_PG_BIN_DIR to the directory holding initdb and postgres."

interface RunAs {
  readonly uid: number
  readonly gid: number
}

/** Under root, the user PostgreSQL runs as: `nobody`. */
export const unprivileged = (): RunAs | undefined => {
  if (process.getuid?.() !== 0) return undefined
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("nobody:"))
  const [, , uid, gid] = line?.split(":") ?? []
  return { uid: Number(uid ?? 65534), gid: Number(gid ?? 65534) }
}

/** Whether `who` may traverse every directory down to `path` (a repo under /root is not). */
export const reachable = (path: string, who: RunAs): boolean => {
  let dir = resolve(path)
  for (;;) {
    if (existsSync(dir)) {
      const { mode, uid, gid } = statSync(dir)
      const ok = (mode & 0o001) !== 0 || (uid === who.uid && (mode & 0o100) !== 0) ||
        (gid === who.gid && (mode & 0o010) !== 0)
      if (!ok) return false
    }
    const parent = dirname(dir)
    if (parent === dir) return true
    dir = parent
  }
}

export const start = async (options: Options): Promise<PostgresServer> => {
  const bin = Binaries.postgresBinDir()
  if (bin === undefined) throw new Error(missingMessage)
  const runAs = unprivileged()
  if (runAs !== undefined && !reachable(options.dir, runAs)) {
    throw new Error(
      `${options.dir} is not reachable by the unprivileged user PostgreSQL must run as under root; ` +
        "use a directory every user can traverse"
    )
  }
  const port = options.port ?? (await freePort())
  const data = join(options.dir, "data")
  const logFile = join(options.dir, "postgres.log")
  mkdirSync(options.dir, { recursive: true })
  if (runAs !== undefined) chownSync(options.dir, runAs.uid, runAs.gid)
  const spawnOptions = runAs === undefined ? {} : { uid: runAs.uid, gid: runAs.gid }

  if (!existsSync(join(data, "PG_VERSION"))) {
    const pwfile = join(options.dir, "pwfile")
    writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 })
    if (runAs !== undefined) chownSync(pwfile, runAs.uid, runAs.gid)
    // Not spawnSync: initdb takes seconds, and a test worker's event loop must keep turning.
    const init = await Child.run(
      join(bin, "initdb"),
      ["-D", data, "-U", USER, "--auth=scram-sha-256", `--pwfile=${pwfile}`, "-E", "UTF8", "--locale=C.UTF-8",
        ...(options.durable === true ? [] : ["--no-sync"])],
      { ...spawnOptions, timeoutMs: 120_000 }
    )
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stderr}${init.stdout}`)
  }

  const settings = [
    "listen_addresses=127.0.0.1",
    `port=${port}`,
    `unix_socket_directories=${options.dir}`,
    "max_connections=300",
    "shared_buffers=256MB",
    ...(options.durable === true ? [] : ["fsync=off", "synchronous_commit=off", "full_page_writes=off"])
  ].flatMap((s) => ["-c", s])

  const url = (database: string) =>
    `postgres://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${port}/${database}`
  const query = async (database: string, sql: string) => {
    const client = new pg.Client({ connectionString: url(database) })
    client.on("error", () => undefined)
    await client.connect()
    try {
      return await client.query(sql)
    } finally {
      await client.end()
    }
  }

  let current: Process.Started | undefined
  const launch = async () => {
    current = Process.start(join(bin, "postgres"), ["-D", data, ...settings], logFile, {
      ...spawnOptions,
      exitSignal: "SIGQUIT"
    })
    const started = current
    await Process.waitUntil(`PostgreSQL on port ${port}`, async () => {
      await query("postgres", "select 1")
      return true
    }, started)
    const exists = await query("postgres", `select 1 from pg_database where datname = '${DATABASE}'`)
    if (exists.rowCount === 0) await query("postgres", `create database ${DATABASE}`)
  }
  await launch()

  const halt = (signal: NodeJS.Signals) => async () => {
    // SIGINT is PostgreSQL's "fast" shutdown: it aborts sessions and exits cleanly.
    if (current !== undefined) await Process.stop(current.child, signal)
  }
  return {
    url: url(DATABASE),
    port,
    user: USER,
    password: options.password,
    dir: options.dir,
    stop: halt("SIGINT"),
    // SIGQUIT is "immediate" shutdown: no checkpoint, crash recovery at the next start.
    // SIGKILL would orphan the backends, which keep the shared memory and the port.
    kill: halt("SIGQUIT"),
    restart: launch,
    freshDatabase: async (name) => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`)
      await query("postgres", `create database ${name}`)
      return url(name)
    }
  }
}
