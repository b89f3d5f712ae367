/**
 * Finding the server binaries. Debian installs PostgreSQL under
 * /usr/lib/postgresql/<version>/bin (not on PATH) and nats-server in /usr/sbin (not on a
 * normal user's PATH), so both are looked for there as well as on PATH.
 */
import { existsSync, readdirSync } from "node:fs"
import { delimiter, join } from "node:path"

const onPath = (name: string): string | undefined =>
  (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, name)).find((file) => existsSync(file))

export const natsServer = (): string | undefined =>
  process.env.TRIBUTARY_NATS_SERVER_BIN ?? onPath("nats-server") ??
    ["/usr/sbin/nats-server", "/usr/local/sbin/nats-server"].find((file) => existsSync(file))

/** The directory holding `postgres` and `initdb`, preferring the newest Debian version. */
export const postgresBinDir = (): string | undefined => {
  if (process.env.TRIBUTARY_PG_BIN_DIR !== undefined) return process.env.TRIBUTARY_PG_BIN_DIR
  const root = "/usr/lib/postgresql"
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    for (const version of versions) {
      const dir = join(root, version, "bin")
      if (existsSync(join(dir, "initdb"))) return dir
    }
  }
  const initdb = onPath("initdb")
  return initdb === undefined ? undefined : join(initdb, "..")
}

export const pgbouncer = (): string | undefined =>
  onPath("pgbouncer") ?? ["/usr/sbin/pgbouncer"].find((file) => existsSync(file))
