/**
 * The walls of ARCHITECTURE.md, enforced on every `npm run lint`:
 * core depends on nothing of ours, connectors only on core (and the registry on them), services never on each
 * other, and production code never on an emulator or the test kit.
 */
const production = "^(packages/(core|tables|cli)/src/|packages/connectors/[^/]+/src/|services/[^/]+/src/)"

module.exports = {
  forbidden: [
    {
      name: "core-is-the-bottom",
      comment: "packages/core imports no connector, service or other package of ours.",
      severity: "error",
      from: { path: "^packages/core/" },
      to: { path: "^(services|packages/(?!core/))" }
    },
    {
      name: "connectors-use-core-only",
      comment: "A connector imports only packages/core and its SDK: not another connector, not the registry.",
      severity: "error",
      from: { path: "^packages/connectors/((?!registry/)[^/]+)/src/" },
      to: { path: "^(services|packages/(?!core/))", pathNot: "^packages/connectors/$1/" }
    },
    {
      name: "registry-uses-connectors-and-core",
      comment: "The registry (packages/connectors/registry) imports the connectors and core, nothing else of ours.",
      severity: "error",
      from: { path: "^packages/connectors/registry/src/" },
      to: { path: "^(services|packages/(?!core/|connectors/))" }
    },
    {
      name: "services-do-not-import-services",
      comment: "Services talk over JetStream, KV and Postgres, never through each other's code.",
      severity: "error",
      from: { path: "^services/([^/]+)/" },
      to: { path: "^services/", pathNot: "^services/$1/" }
    },
    {
      name: "production-never-imports-emulators-or-testkit",
      comment: "Emulators and the test kit serve tests, benchmarks and the demo only.",
      severity: "error",
      from: { path: production, pathNot: "^packages/cli/src/commands/emulator\\.ts$" },
      to: { path: "^packages/(stripe-emulator|testkit)/" }
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true }
    },
    {
      name: "no-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/|^\\.tributary/|^deploy/|(^|/)dist/|^\\.git/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json", ".d.ts"]
    },
    reporterOptions: { text: { highlightFocused: true } }
  }
}
