/**
 * A real `nats-server -js` on a free port, with its store in a directory of its own.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Binaries from "./Binaries.js"
import { freePort } from "./internal/Ports.js"
import * as Process from "./internal/Process.js"

export interface NatsServer {
  readonly url: string
  readonly port: number
  readonly dir: string
  /** Graceful shutdown (SIGTERM). */
  readonly stop: () => Promise<void>
  /** Crash (SIGKILL): what a power cut or OOM-kill looks like. */
  readonly kill: () => Promise<void>
  /** Start again on the same port and store, after `stop` or `kill`. */
  readonly restart: () => Promise<void>
  /**
   * Freeze the process (SIGSTOP): its connections stay open but nothing answers, what a
   * hung server or a partitioned network looks like. `thaw` (SIGCONT) lets it carry on.
   */
  readonly freeze: () => void
  readonly thaw: () => void
}

export interface Options {
  readonly dir: string
  readonly port?: number
  /** The largest message (headers and body) the server takes, in bytes; nats-server's default is 1 MiB. */
  readonly maxPayload?: number
  /** A member of a JetStream cluster: its name, route port and the other members' route ports. */
  readonly cluster?: ClusterMember
}

export interface ClusterMember {
  readonly serverName: string
  readonly routePort: number
  readonly peerRoutePorts: ReadonlyArray<number>
}

export const missingMessage =
  "nats-server not found. Install it with `apt-get install nats-server` (Debian/Ubuntu), " +
  "or set TRIBUTARY_NATS_SERVER_BIN to its path."

export const start = async (options: Options): Promise<NatsServer> => {
  const binary = Binaries.natsServer()
  if (binary === undefined) throw new Error(missingMessage)
  const port = options.port ?? (await freePort())
  const store = join(options.dir, "jetstream")
  const logFile = join(options.dir, "nats-server.log")
  const configFile = join(options.dir, "nats-server.conf")
  mkdirSync(store, { recursive: true })
  writeFileSync(configFile, config(port, store, options.maxPayload, options.cluster))

  let current: Process.Started | undefined
  const launch = async () => {
    const offset = readLength(logFile)
    current = Process.start(binary, ["-c", configFile], logFile)
    const started = current
    await Process.waitUntil(`nats-server on port ${port}`, async () =>
      readFileSync(logFile, "utf8").slice(offset).includes("Server is ready"), started)
  }
  await launch()

  const halt = (signal: NodeJS.Signals) => async () => {
    if (current !== undefined) await Process.stop(current.child, signal)
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir: options.dir,
    stop: halt("SIGTERM"),
    kill: halt("SIGKILL"),
    restart: launch,
    freeze: () => current?.child.kill("SIGSTOP"),
    thaw: () => current?.child.kill("SIGCONT")
  }
}

export interface Private extends NatsServer {
  /** Stop the server and remove its directory. */
  readonly dispose: () => Promise<void>
}

/**
 * A server of one test's own, in a temporary directory named after `name`: for tests that
 * stop, crash or freeze it, or configure it otherwise, without disturbing the shared one.
 */
export const startPrivate = async (name: string, options: Omit<Options, "dir"> = {}): Promise<Private> => {
  const dir = mkdtempSync(join(tmpdir(), `tributary-${name}-`))
  // mkdtemp makes the directory private; the server may run as another user under root.
  chmodSync(dir, 0o755)
  const server = await start({ ...options, dir })
  return {
    ...server,
    dispose: async () => {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface Cluster {
  readonly servers: ReadonlyArray<NatsServer>
  /** Every member's client URL, comma-separated, as `TRIBUTARY_NATS_URL` takes them. */
  readonly url: string
  readonly dispose: () => Promise<void>
}

/**
 * A JetStream cluster of `size` servers of one test's own, for what only a cluster shows
 * (replicated streams). Started, not yet elected: wait for JetStream to answer before use.
 */
export const startCluster = async (name: string, size = 3): Promise<Cluster> => {
  const routePorts: Array<number> = []
  while (routePorts.length < size) {
    const port = await freePort()
    if (!routePorts.includes(port)) routePorts.push(port)
  }
  const dirs = routePorts.map(() => {
    const dir = mkdtempSync(join(tmpdir(), `tributary-${name}-`))
    chmodSync(dir, 0o755)
    return dir
  })
  const servers = await Promise.all(routePorts.map((routePort, i) =>
    start({
      dir: dirs[i]!,
      cluster: { serverName: `${name}-${i}`, routePort, peerRoutePorts: routePorts.filter((p) => p !== routePort) }
    })))
  return {
    servers,
    url: servers.map((server) => server.url).join(","),
    dispose: async () => {
      await Promise.all(servers.map((server) => server.stop()))
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    }
  }
}

/**
 * JetStream refuses a stream whose `max_bytes` does not fit in what is left of the server's
 * storage limit, and by default that limit is 75% of the free disk at start. Every test
 * provisions its own `EVENTS` with a byte ceiling, so on a fuller disk the ceilings run out
 * long before the bytes do. A ceiling is only a ceiling here: the limit is set far above it.
 */
const config = (port: number, store: string, maxPayload: number | undefined, cluster: ClusterMember | undefined): string =>
  [
    `listen: "127.0.0.1:${port}"`,
    ...(maxPayload === undefined ? [] : [`max_payload: ${maxPayload}`]),
    ...(cluster === undefined ? [] : [
      `server_name: ${cluster.serverName}`,
      `cluster {`,
      `  name: tributary-test`,
      `  listen: "127.0.0.1:${cluster.routePort}"`,
      `  routes: [${cluster.peerRoutePorts.map((p) => `"nats-route://127.0.0.1:${p}"`).join(", ")}]`,
      `}`
    ]),
    `jetstream {`,
    `  store_dir: ${JSON.stringify(store)}`,
    `  max_file_store: 100TB`,
    `  max_memory_store: 1GB`,
    `}`,
    ``
  ].join("\n")

const readLength = (file: string): number => {
  try {
    return readFileSync(file, "utf8").length
  } catch {
    return 0
  }
}
