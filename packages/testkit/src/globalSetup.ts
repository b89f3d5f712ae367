/**
 * Vitest global setup: one nats-server and one PostgreSQL for the whole run. Tests
 * isolate themselves by namespace (streams, buckets) and by database, not by server.
 */
import type { TestProject } from "vitest/node"
import * as Infra from "./Infra.js"
import "./ProvidedContext.js"

export default async function setup(project: TestProject) {
  const infra = await Infra.start()
  project.provide("natsUrl", infra.natsUrl)
  project.provide("postgresUrl", infra.postgresUrl)
  return infra.stop
}
