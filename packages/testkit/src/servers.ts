/** The server launchers alone, for scripts (`npm run up`) that are not tests. */
export * as Binaries from "./Binaries.js"
export * as NatsServer from "./NatsServer.js"
export * as PostgresServer from "./PostgresServer.js"
export * as Ports from "./internal/Ports.js"
export * as Process from "./internal/Process.js"
