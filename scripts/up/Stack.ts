/**
 * `npm run up`: the whole stack on this machine, under `./.tributary/`. NATS and Postgres
 * keep their data between runs; Ctrl-C (or SIGTERM) stops everything in reverse order.
 */
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { createHash } from "node:crypto"
import { NatsServer, Ports, PostgresServer, Process } from "@tributary/testkit/servers"
import type { Component, Context, Started } from "./Component.js"

const say = (message: string) => process.stdout.write(`\x1b[1m==> ${message}\x1b[0m\n`)

interface Secrets {
  readonly postgresPassword: string
  readonly secretKey: string
  /** The bearer token of every service's `/metrics`. */
  readonly metricsToken: string
}

const loadSecrets = (home: string): Secrets => {
  const file = join(home, "secrets.json")
  const kept = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets> : {}
  const secrets: Secrets = {
    postgresPassword: kept.postgresPassword ?? randomBytes(18).toString("base64url"),
    secretKey: kept.secretKey ?? randomBytes(32).toString("base64"),
    metricsToken: kept.metricsToken ?? randomBytes(24).toString("base64url")
  }
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 })
  return secrets
}

/**
 * Under root PostgreSQL runs as `nobody`, which cannot enter a checkout under /root.
 * Its data then lives in /var/tmp, in a directory named after the checkout.
 */
const postgresHome = (home: string): string => {
  const preferred = join(home, "postgres")
  const runAs = PostgresServer.unprivileged()
  if (runAs === undefined || PostgresServer.reachable(home, runAs)) return preferred
  const fallback = join("/var/tmp", `tributary-${createHash("sha1").update(resolve(home)).digest("hex").slice(0, 10)}`)
  say(`${home} is not reachable by the postgres user; keeping Postgres data in ${fallback}`)
  return fallback
}

/** `.tributary/env`: `export NAME='value'` lines, for `. .tributary/env` in a POSIX shell. */
const writeCliEnv = (home: string, variables: Record<string, string>): void => {
  const quoted = (value: string) => `'${value.replaceAll("'", "'\\''")}'`
  const lines = Object.entries(variables).map(([name, value]) => `export ${name}=${quoted(value)}\n`)
  writeFileSync(join(home, "env"), lines.join(""), { mode: 0o600 })
}

export const up = async (components: ReadonlyArray<Component>): Promise<void> => {
  const home = resolve(process.env.TRIBUTARY_UP_HOME ?? ".tributary")
  const logs = join(home, "logs")
  mkdirSync(logs, { recursive: true })
  const secrets = loadSecrets(home)
  const stops: Array<() => Promise<void>> = []
  let stopping = false

  const shutdown = async (code: number) => {
    if (stopping) return
    stopping = true
    say("stopping")
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    say("stopped")
    process.exit(code)
  }
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(0))
  // If the launcher dies without signalling us (kill -9), stop rather than linger.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(0)
  }, 250).unref()

  try {
    say("starting nats-server")
    const nats = await NatsServer.start({ dir: join(home, "nats"), port: await Ports.preferPort(4222) })
    stops.push(nats.stop)
    say("starting PostgreSQL")
    const postgres = await PostgresServer.start({
      dir: postgresHome(home),
      port: await Ports.preferPort(5433),
      password: secrets.postgresPassword,
      durable: true
    })
    stops.push(postgres.stop)

    const published: Record<string, unknown> = { nats_url: nats.url, postgres_url: postgres.url, metrics_token: secrets.metricsToken }
    const summary = [`nats-server   ${nats.url}`, `PostgreSQL    ${postgres.url.replace(/:[^:@/]+@/, ":***@")}`]
    const writeUpJson = () => writeFileSync(join(home, "up.json"), `${JSON.stringify(published, null, 2)}\n`, { mode: 0o600 })
    writeUpJson()
    // What `npm run tributary` needs to reach this stack rather than whatever listens on the
    // default ports (another checkout's stack, when a port was taken and a free one chosen).
    const cliEnv: Record<string, string> = {
      TRIBUTARY_NATS_URL: nats.url,
      TRIBUTARY_POSTGRES_URL: postgres.url,
      TRIBUTARY_SECRET_KEY: secrets.secretKey,
      TRIBUTARY_METRICS_TOKEN: secrets.metricsToken
    }
    writeCliEnv(home, cliEnv)
    summary.push(`CLI           . .tributary/env  (then npm run tributary -- syncs list)`)

    const context = (): Context => ({
      home,
      natsUrl: nats.url,
      postgresUrl: postgres.url,
      published: { ...published },
      secretKey: secrets.secretKey,
      spawn: (name, command, args, env) => {
        const started = Process.start(command, args, join(logs, `${name}.log`), {
          env: { ...process.env, TRIBUTARY_METRICS_TOKEN: secrets.metricsToken, ...env }
        })
        stops.push(() => Process.stop(started.child))
        started.child.once("exit", (code, signal) => {
          if (!stopping) {
            process.stderr.write(`${name} exited (${code ?? signal}); see ${started.logFile}\n`)
            void shutdown(1)
          }
        })
        return started.child
      }
    })

    for (const component of components) {
      say(`starting ${component.name}`)
      const started: Started = await component.start(context())
      if (started.stop !== undefined) stops.push(started.stop)
      Object.assign(published, started.published)
      summary.push(started.summary)
      writeUpJson()
      if (started.cliEnv !== undefined) writeCliEnv(home, Object.assign(cliEnv, started.cliEnv))
    }

    say("up")
    process.stdout.write(`${summary.map((line) => `    ${line}`).join("\n")}\n`)
    process.stdout.write(`    connection details: ${join(home, "up.json")}; logs: ${logs}\n    press Ctrl-C to stop\n`)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    await shutdown(1)
  }
}
