/**
 * Starting the shared test servers: real binaries in temp dirs by default, or
 * testcontainers when `TRIBUTARY_TEST_INFRA=containers` and a Docker engine is reachable.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomBytes } from "node:crypto"
import * as Containers from "./Containers.js"
import * as NatsServer from "./NatsServer.js"
import * as PostgresServer from "./PostgresServer.js"

export interface Infra {
  readonly kind: "binaries" | "containers"
  readonly natsUrl: string
  readonly postgresUrl: string
  readonly stop: () => Promise<void>
}

export const wantsContainers = (): boolean => process.env.TRIBUTARY_TEST_INFRA === "containers"

export const startBinaries = async (): Promise<Infra> => {
  const dir = mkdtempSync(join(tmpdir(), "tributary-test-"))
  // mkdtemp makes the directory private; PostgreSQL runs as another user under root.
  chmodSync(dir, 0o755)
  const [nats, postgres] = await Promise.all([
    NatsServer.start({ dir: join(dir, "nats") }),
    PostgresServer.start({ dir: join(dir, "postgres"), password: randomBytes(12).toString("hex") })
  ])
  return {
    kind: "binaries",
    natsUrl: nats.url,
    postgresUrl: postgres.url,
    stop: async () => {
      await Promise.all([nats.stop(), postgres.stop()])
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export const start = async (): Promise<Infra> => {
  if (wantsContainers()) {
    if (Containers.dockerReachable()) {
      const infra = await Containers.start()
      return { kind: "containers", ...infra }
    }
    process.stderr.write("TRIBUTARY_TEST_INFRA=containers, but no Docker engine is reachable: using local binaries\n")
  }
  return startBinaries()
}
