import { parseArgs } from "node:util"
import { DEFAULT_RATE_LIMIT, DEFAULT_SEED, start, type EmulatorOptions, type RunningEmulator } from "./Emulator.js"

/**
 * `tributary emulator stripe --port 12111 --seed 42 --customers 2000`: serves until SIGINT or
 * SIGTERM. The `tributary` CLI delegates here; `npm run start -w @tributary/stripe-emulator` too.
 */
export const USAGE = `Usage: tributary emulator stripe [options]

  --port <n>          port to listen on (default 12111; 0 picks a free one)
  --host <addr>       address to bind (default 127.0.0.1)
  --seed <n>          seed of what it starts with: keys, accounts, the seeded
                      data and its ids (default ${DEFAULT_SEED}); objects, events and keys
                      made later get ids no other run handed out, as in Stripe
  --deterministic-ids make those later ids follow from the seed too (a restart
                      repeats them; for tests that compare ids across runs)
  --customers <n>     seed each key's account with n customers and their
                      history (default 0)
  --keys <n>          how many secret keys (accounts) to create (default 1)
  --api-key <key>     accept this secret key (repeatable; replaces --keys)
  --rate-limit <n>    requests per second per key, 0 = unlimited (default ${DEFAULT_RATE_LIMIT})
  --json              print one JSON line {url, api_keys, accounts, seeded}
                      instead of text
  -h, --help          show this help`

export const DEFAULT_PORT = 12111

export interface CliIo {
  readonly log: (line: string) => void
  readonly error: (line: string) => void
  /** Resolves when the emulator should stop (default: SIGINT or SIGTERM). */
  readonly stopSignal?: Promise<void>
}

const processSignal = (): Promise<void> =>
  new Promise((resolve) => {
    process.once("SIGINT", () => resolve())
    process.once("SIGTERM", () => resolve())
  })

const integer = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}`)
  return parsed
}

/** Parses the command line into emulator options (throws with a readable message). */
export const parseCli = (argv: ReadonlyArray<string>): { readonly options: EmulatorOptions; readonly json: boolean; readonly help: boolean } => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string" },
      host: { type: "string" },
      seed: { type: "string" },
      "deterministic-ids": { type: "boolean", default: false },
      customers: { type: "string" },
      keys: { type: "string" },
      "api-key": { type: "string", multiple: true },
      "rate-limit": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false }
    },
    strict: true
  })
  const explicitKeys = values["api-key"]
  return {
    help: values.help === true,
    json: values.json === true,
    options: {
      port: integer("port", values.port, DEFAULT_PORT),
      host: values.host ?? "127.0.0.1",
      seed: integer("seed", values.seed, DEFAULT_SEED),
      deterministicIds: values["deterministic-ids"] === true,
      customers: integer("customers", values.customers, 0),
      apiKeys: explicitKeys !== undefined && explicitKeys.length > 0 ? explicitKeys : integer("keys", values.keys, 1),
      rateLimitPerSecond: integer("rate-limit", values["rate-limit"], DEFAULT_RATE_LIMIT)
    }
  }
}

const describe = (emulator: RunningEmulator): ReadonlyArray<string> => [
  `Stripe emulator listening on ${emulator.url} (API version ${emulator.apiVersion})`,
  ...emulator.accounts.map((account) => `  secret key ${account.apiKey}  (account ${account.accountId})`),
  ...emulator.seeded.map((summary, index) => {
    const objects = Object.values(summary.counts).reduce((sum, count) => sum + count, 0)
    return `  seeded account ${index + 1}: ${objects} objects, ${summary.events} events in ${summary.durationMs} ms`
  }),
  `  admin API: ${emulator.url}/_emulator/... (Authorization: Bearer <secret key>)`,
  "Press Ctrl-C to stop."
]

const errnoCode = (error: unknown): string | undefined =>
  error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined

/** One line that says what went wrong and what to do, keyed on the socket error's code. */
export const startFailure = (error: unknown, options: EmulatorOptions): string => {
  const where = `port ${options.port ?? DEFAULT_PORT} on ${options.host ?? "127.0.0.1"}`
  switch (errnoCode(error)) {
    case "EADDRINUSE":
      return `Cannot start the Stripe emulator: ${where} is already in use; stop what holds it or pick another with --port (0 picks a free one).`
    case "EACCES":
      return `Cannot start the Stripe emulator: not allowed to listen on ${where}; ports below 1024 need privileges, pick another with --port.`
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return `Cannot start the Stripe emulator on ${where}: --host is not an address of this machine.`
    default:
      return `Cannot start the Stripe emulator on ${where}: ${error instanceof Error ? error.message : String(error)}`.replaceAll("\n", " ")
  }
}

/** Runs the emulator until stopped; resolves with the process exit code. */
export const main = async (argv: ReadonlyArray<string>, io: CliIo = { log: console.log, error: console.error }): Promise<number> => {
  let parsed: ReturnType<typeof parseCli>
  try {
    parsed = parseCli(argv)
  } catch (error) {
    io.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    return 2
  }
  if (parsed.help) {
    io.log(USAGE)
    return 0
  }
  const stopSignal = io.stopSignal ?? processSignal()
  let emulator: RunningEmulator
  try {
    emulator = await start(parsed.options)
  } catch (error) {
    io.error(startFailure(error, parsed.options))
    return 1
  }
  if (parsed.json) {
    io.log(JSON.stringify({ url: emulator.url, api_keys: emulator.apiKeys, accounts: emulator.accounts, seeded: emulator.seeded }))
  } else {
    for (const line of describe(emulator)) io.log(line)
  }
  await stopSignal
  await emulator.stop()
  return 0
}
