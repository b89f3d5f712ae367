/**
 * The same servers from testcontainers, for machines with a Docker engine
 * (`TRIBUTARY_TEST_INFRA=containers`). CI has no engine and uses the binaries.
 */
import { existsSync } from "node:fs"
import { NatsContainer } from "@testcontainers/nats"
import { PostgreSqlContainer } from "@testcontainers/postgresql"
import pg from "pg"

export const dockerReachable = (): boolean =>
  process.env.DOCKER_HOST !== undefined || existsSync("/var/run/docker.sock")

export interface ContainerInfra {
  readonly natsUrl: string
  readonly postgresUrl: string
  readonly freshDatabase: (name: string) => Promise<string>
  readonly stop: () => Promise<void>
}

export const start = async (): Promise<ContainerInfra> => {
  const nats = await new NatsContainer("nats:2.9-alpine").withJetStream().start()
  const postgres = await new PostgreSqlContainer("postgres:15-alpine")
    .withDatabase("tributary").withUsername("tributary").withPassword("tributary").start()
  const natsUrl = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`
  const base = new URL(postgres.getConnectionUri())
  return {
    natsUrl,
    postgresUrl: base.toString(),
    freshDatabase: async (name) => {
      const client = new pg.Client({ connectionString: base.toString() })
      await client.connect()
      try {
        await client.query(`create database ${name}`)
      } finally {
        await client.end()
      }
      const url = new URL(base)
      url.pathname = `/${name}`
      return url.toString()
    },
    stop: async () => {
      await Promise.all([nats.stop(), postgres.stop()])
    }
  }
}
