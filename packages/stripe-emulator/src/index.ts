/**
 * @tributary/stripe-emulator: a stateful Stripe API for tests, benchmarks and the demo.
 * `Emulator.start()` runs it in-process; `main()` (./cli.js) is the command line.
 */
export * as Emulator from "./Emulator.js"
export type { EmulatorOptions, RunningEmulator } from "./Emulator.js"
export { AdminClient, AdminError, type AdminClientOptions } from "./admin/AdminClient.js"
export type * from "./admin/AdminTypes.js"
export { DUMP_COLLECTIONS } from "./dump/Dump.js"
export { API_VERSION } from "./ApiVersion.js"
