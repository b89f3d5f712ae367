#!/usr/bin/env node
// Bootstrap for `npm run up` and `npm test` on a fresh Debian/Ubuntu machine that has
// only Node and npm. It installs what is missing and says what it does. Plain
// JavaScript on purpose: it runs on the system Node, before Node 24 (a devDependency)
// and tsx are installed.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname

/** Debian packages, by what needs them. Each entry: the package, and how to tell it is there. */
const SYSTEM_PACKAGES = {
  up: [
    { pkg: "nats-server", present: () => natsServer() },
    { pkg: "postgresql", present: () => postgresBinDir() },
    // The README's commands for the running stack read up.json with jq and call the gateway
    // with curl (psql comes with postgresql); a machine with only Node and npm has neither.
    { pkg: "jq", present: () => findBinary("jq", ["/usr/bin"]) },
    { pkg: "curl", present: () => findBinary("curl", ["/usr/bin"]) }
  ],
  test: [
    { pkg: "nats-server", present: () => natsServer() },
    { pkg: "postgresql", present: () => postgresBinDir() },
    { pkg: "postgresql-client", present: () => findBinary("psql", ["/usr/bin"]) },
    // The proxy is tested with real clients besides node-pg: psql, and JDBC from Java.
    { pkg: "libpostgresql-jdbc-java", present: () => existsSync("/usr/share/java/postgresql.jar") },
    { pkg: "default-jre-headless", present: () => findBinary("java", []) },
    // Certificates for the proxy's TLS test.
    { pkg: "openssl", present: () => findBinary("openssl", ["/usr/bin"]) }
  ],
  bench: [
    { pkg: "nats-server", present: () => natsServer() },
    { pkg: "postgresql", present: () => postgresBinDir() },
    // bench:proxy compares the proxy with Postgres direct and PgBouncer, under pgbench.
    { pkg: "postgresql-client", present: () => findBinary("pgbench", ["/usr/bin"]) },
    { pkg: "pgbouncer", present: () => findBinary("pgbouncer", ["/usr/sbin"]) }
  ]
}

// Benchmarks print JSON on stdout, so there everything the bootstrap says goes to stderr.
const quietStdout = process.argv.includes("--for=bench")
const out = quietStdout ? process.stderr : process.stdout
const stdio = quietStdout ? ["inherit", 2, 2] : "inherit"
const say = (message) => out.write(`\x1b[1m==> ${message}\x1b[0m\n`)

function findBinary(name, extraDirs) {
  const dirs = [...(process.env.PATH ?? "").split(":"), ...extraDirs]
  return dirs.some((dir) => dir !== "" && existsSync(join(dir, name)))
}

/** As the testkit finds it: TRIBUTARY_NATS_SERVER_BIN when set, else nats-server on the PATH. */
function natsServer() {
  if (process.env.TRIBUTARY_NATS_SERVER_BIN) return existsSync(process.env.TRIBUTARY_NATS_SERVER_BIN)
  return findBinary("nats-server", ["/usr/sbin", "/usr/local/sbin"])
}

function postgresBinDir() {
  if (process.env.TRIBUTARY_PG_BIN_DIR) return existsSync(join(process.env.TRIBUTARY_PG_BIN_DIR, "initdb"))
  const base = "/usr/lib/postgresql"
  if (existsSync(base) && readdirSync(base).some((v) => existsSync(join(base, v, "bin", "initdb")))) return true
  return findBinary("initdb", [])
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio, cwd: root, ...options })
  if (result.status !== 0) {
    process.stderr.write(`\nfailed: ${command} ${args.join(" ")} (exit ${result.status ?? result.signal})\n`)
    process.exit(result.status ?? 1)
  }
}

/**
 * Whether node_modules holds every package of package-lock.json at its locked version.
 * npm records what it installed in node_modules/.package-lock.json; comparing contents
 * rather than modification times keeps a fresh git checkout (whose lock file is always
 * newer) or a hard-linked node_modules from reinstalling for nothing.
 */
function npmPackagesMatchLock() {
  const installed = join(root, "node_modules", ".package-lock.json")
  if (!existsSync(installed)) return false
  try {
    const wanted = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages ?? {}
    const have = JSON.parse(readFileSync(installed, "utf8")).packages ?? {}
    return Object.entries(wanted).every(([path, entry]) =>
      path === "" || entry.link === true || have[path]?.version === entry.version ||
      // platform-specific optional packages (e.g. another OS's binary) are never installed
      (entry.optional === true && have[path] === undefined))
  } catch {
    return false
  }
}

function installNpmPackages() {
  if (npmPackagesMatchLock()) {
    say("npm packages are installed")
    return
  }
  say("installing npm packages (npm ci)")
  const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio, cwd: root })
  if (ci.status === 0) return
  // A registry mirror that lacks some platform-specific optional package makes npm ci
  // refuse the lock file; npm install resolves around it with the same pinned versions.
  say("npm ci failed; retrying with npm install")
  run("npm", ["install", "--no-audit", "--no-fund"])
}

function installSystemPackages(purpose) {
  const wanted = SYSTEM_PACKAGES[purpose] ?? SYSTEM_PACKAGES.up
  const missing = wanted.filter((entry) => !entry.present()).map((entry) => entry.pkg)
  if (missing.length === 0) {
    say(`system packages are installed (${wanted.map((e) => e.pkg).join(", ")})`)
    return
  }
  const isRoot = process.getuid?.() === 0
  const sudo = isRoot ? [] : findBinary("sudo", []) ? ["sudo"] : undefined
  if (sudo === undefined || !findBinary("apt-get", [])) {
    process.stderr.write(
      `missing: ${missing.join(", ")}. Install them with your package manager ` +
        `(Debian/Ubuntu: apt-get install ${missing.join(" ")}) and run this again.\n`
    )
    process.exit(1)
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  say(`installing ${missing.join(", ")} with apt-get${sudo.length > 0 ? " (through sudo)" : ""}`)
  const [cmd, ...prefix] = [...sudo, "apt-get"]
  run(cmd, [...prefix, "update", "-qq"], { env })
  run(cmd, [...prefix, "install", "-y", "-qq", "--no-install-recommends", ...missing], { env })
}

/** Install what `purpose` (`up` or `test`) needs and is missing. */
export function bootstrap(purpose) {
  const what = { test: "the test suite", bench: "the benchmarks", up: "the local stack" }
  say(`bootstrapping for ${what[purpose] ?? what.up}`)
  installSystemPackages(purpose)
  installNpmPackages()
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  bootstrap((process.argv.find((a) => a.startsWith("--for=")) ?? "--for=up").slice("--for=".length))
}
