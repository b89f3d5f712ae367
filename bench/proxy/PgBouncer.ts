/**
 * PgBouncer in session pooling, the proxy's baseline: `processes` PgBouncer processes on
 * one port (`so_reuseport`, the kernel spreads connections over them), which is how
 * PgBouncer, single-threaded like a Node.js process, is run on several cores. It refuses
 * to run as root, so under root it runs as `nobody`.
 */
import { spawn } from "node:child_process"
import { chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Binaries, Ports } from "@tributary/testkit/servers"

export interface Options {
  readonly dir: string
  readonly processes: number
  /** Where Postgres listens, and the database. */
  readonly upstream: { readonly port: number; readonly database: string }
  /** The role clients log in as, checked by PgBouncer with SCRAM and passed on to Postgres. */
  readonly user: string
  readonly password: string
}

export interface RunningPgBouncer {
  readonly port: number
  readonly pids: ReadonlyArray<number>
  readonly stop: () => Promise<void>
}

const NOBODY = 65534

/** Sockets listening on `port` (IPv4), from /proc/net/tcp: one per so_reuseport listener. */
const listeners = (port: number): number => {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0")
  return readFileSync("/proc/net/tcp", "utf8").split("\n").filter((line) => {
    const [, local, , state] = line.trim().split(/\s+/)
    return local?.endsWith(`:${hexPort}`) === true && state === "0A"
  }).length
}

export const start = async (options: Options): Promise<RunningPgBouncer> => {
  const binary = Binaries.pgbouncer()
  if (binary === undefined) throw new Error("pgbouncer not found: apt-get install pgbouncer")
  const asRoot = process.getuid?.() === 0
  const port = await Ports.freePort()
  const children = Array.from({ length: options.processes }, (_, index) => {
    const dir = join(options.dir, `pgbouncer-${index}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, "users.txt"), `"${options.user}" "${options.password}"\n`)
    writeFileSync(join(dir, "pgbouncer.ini"), [
      "[databases]",
      `${options.upstream.database} = host=127.0.0.1 port=${options.upstream.port} dbname=${options.upstream.database}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      // Several processes listen on the same port only with it; harmless with one.
      "so_reuseport = 1",
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
      "auth_type = scram-sha-256",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = session",
      "max_client_conn = 500",
      "default_pool_size = 100",
      "unix_socket_dir =",
      ""
    ].join("\n"))
    if (asRoot) for (const path of [dir, join(dir, "users.txt"), join(dir, "pgbouncer.ini")]) chownSync(path, NOBODY, NOBODY)
    return spawn(binary, [...(asRoot ? ["-u", "nobody"] : []), join(dir, "pgbouncer.ini")], { stdio: "ignore" })
  })
  const stop = async () => {
    await Promise.all(children.map((child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGINT")
      })
    ))
  }
  const deadline = Date.now() + 10_000
  // Every process listening, so the kernel spreads connections over all of them.
  while (listeners(port) < options.processes || !(await Ports.accepts(port))) {
    if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) {
      await stop()
      throw new Error(`pgbouncer (${options.processes} processes) did not start`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { port, pids: children.map((c) => c.pid!), stop }
}
