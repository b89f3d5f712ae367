/**
 * The dependency rules bite: a deliberate import across a wall fails `npm run lint`.
 * The probe is a throwaway tree in a temp dir, checked with the project's own rules.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { Child } from "@tributary/testkit"
import { afterEach, describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "../..")
const depcruise = join(repo, "node_modules", ".bin", "depcruise")
let probe = ""

const tree = (files: Record<string, string>) => {
  probe = mkdtempSync(join(tmpdir(), "tributary-walls-"))
  copyFileSync(join(repo, ".dependency-cruiser.cjs"), join(probe, ".dependency-cruiser.cjs"))
  writeFileSync(join(probe, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } }))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(probe, path)), { recursive: true })
    writeFileSync(join(probe, path), text)
  }
  // Under the test's own timeout, so a hung run fails with what it printed.
  return Child.run(depcruise, ["--config", ".dependency-cruiser.cjs", "."], { cwd: probe, timeoutMs: 50_000 })
}

afterEach(() => rmSync(probe, { recursive: true, force: true }))

/** The probe tree fails lint on `rule`. */
const expectRefused = async (files: Record<string, string>, rule: string) => {
  const result = await tree(files)
  expect(result.status).not.toBe(0)
  expect(result.stdout).toContain(rule)
}

/** The probe tree passes lint. */
const expectAllowed = async (files: Record<string, string>) => {
  const result = await tree(files)
  expect(result.stdout + result.stderr).toContain("no dependency violations")
  expect(result.status).toBe(0)
}

describe("dependency walls", () => {
  it("refuses an import from packages/core into a service", async () => {
    await expectRefused({
      "packages/core/src/index.ts": `export { sink } from "../../../services/sink/src/index.js"\n`,
      "services/sink/src/index.ts": "export const sink = 1\n"
    }, "core-is-the-bottom")
  })

  it("refuses one service importing another", async () => {
    await expectRefused({
      "services/sink/src/index.ts": `export { gateway } from "../../consume-gateway/src/index.js"\n`,
      "services/consume-gateway/src/index.ts": "export const gateway = 1\n"
    }, "services-do-not-import-services")
  })

  it("refuses one connector importing another", async () => {
    await expectRefused({
      "packages/connectors/github/src/index.ts": `export { stripe } from "../../stripe/src/index.js"\n`,
      "packages/connectors/stripe/src/index.ts": "export const stripe = 1\n"
    }, "connectors-use-core-only")
  })

  it("allows a connector its own modules and core", async () => {
    await expectAllowed({
      "packages/connectors/stripe/src/index.ts": `export { own } from "./Own.js"\nexport { core } from "../../../core/src/index.js"\n`,
      "packages/connectors/stripe/src/Own.ts": "export const own = 1\n",
      "packages/core/src/index.ts": "export const core = 1\n"
    })
  })

  it("allows the registry to import the connectors", async () => {
    await expectAllowed({
      "packages/connectors/registry/src/index.ts": `export { stripe } from "../../stripe/src/index.js"\n`,
      "packages/connectors/stripe/src/index.ts": "export const stripe = 1\n"
    })
  })

  it("refuses production code importing the emulator", async () => {
    await expectRefused({
      "services/sync/src/index.ts": `export { emulator } from "../../../packages/stripe-emulator/src/index.js"\n`,
      "packages/stripe-emulator/src/index.ts": "export const emulator = 1\n"
    }, "production-never-imports-emulators-or-testkit")
  })

  it("allows a service to import core", async () => {
    await expectAllowed({
      "services/sink/src/index.ts": `export { core } from "../../../packages/core/src/index.js"\n`,
      "packages/core/src/index.ts": "export const core = 1\n"
    })
  })
})
