/**
 * The chart rendered by a real helm (see support/Helm.ts), with the values docs/deploy.md
 * gives, and checked for what a cluster would trip over: hooks that need what is not there
 * yet, probes on ports that do not exist, names, and the values that must be given.
 */
import { resolve } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { helm, helmBinary } from "./support/Helm.js"

const chart = resolve(import.meta.dirname, "../../deploy/helm/tributary")

/** The values of docs/deploy.md's `helm install`. */
const documented = [
  "--set", "nats.url=nats://nats:4222",
  "--set", "postgres.url=postgres://tributary:pw@db:5432/app",
  "--set", "secretKey.value=0123456789abcdef0123456789abcdef",
  "--set", "metricsToken.value=0123456789abcdef01",
  "--set", "proxy.upstreamSecret=tributary-client"
]

/** The parts of the rendered Kubernetes objects these tests read. */
interface EnvVar {
  readonly name: string
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string } }
}
interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: string }
}
interface Container {
  readonly args: ReadonlyArray<string>
  readonly env: ReadonlyArray<EnvVar>
  readonly ports?: ReadonlyArray<{ readonly name: string; readonly containerPort: number }>
  readonly livenessProbe?: Probe
  readonly readinessProbe?: Probe
}
interface Resource {
  readonly kind: string
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> }
  readonly spec?: {
    readonly template: {
      readonly metadata: { readonly annotations?: Record<string, string> }
      readonly spec: { readonly containers: ReadonlyArray<Container> }
    }
  }
  readonly stringData?: Record<string, string>
}

const render = async (release: string, args: ReadonlyArray<string>): Promise<ReadonlyArray<Resource>> => {
  const out = await helm(["template", release, chart, ...args])
  expect(out.stderr).toBe("")
  expect(out.ok).toBe(true)
  return parseAllDocuments(out.stdout).map((d) => d.toJS() as Resource | null).filter((r): r is Resource => r !== null)
}

const containersOf = (resource: Resource): ReadonlyArray<Container> => resource.spec?.template.spec.containers ?? []

const secretRefsOf = (resource: Resource): ReadonlyArray<string> =>
  containersOf(resource).flatMap((c) => c.env.flatMap((e) => (e.valueFrom?.secretKeyRef === undefined ? [] : [e.valueFrom.secretKeyRef.name])))

beforeAll(async () => {
  await helmBinary()
}, 180_000)

describe("Helm chart, rendered", () => {
  it("passes helm lint", async () => {
    const out = await helm(["lint", chart, ...documented])
    expect(out.stdout + out.stderr).toContain("0 chart(s) failed")
    expect(out.ok).toBe(true)
  })

  it("renders every component with probes and a metrics port that exist on its container", async () => {
    const resources = await render("tributary", documented)
    const deployments = resources.filter((r) => r.kind === "Deployment")
    expect(deployments.map((d) => d.metadata.name).sort()).toStrictEqual(
      ["tributary-gateway", "tributary-proxy", "tributary-sink", "tributary-sync"]
    )
    for (const deployment of deployments) {
      const name = deployment.metadata.name
      const [container] = containersOf(deployment)
      const ports = new Map((container?.ports ?? []).map((p) => [p.name, p.containerPort]))
      for (const probe of [container?.livenessProbe, container?.readinessProbe]) {
        expect(probe?.httpGet?.port, `${name} probe`).toBeDefined()
        expect(ports.has(probe?.httpGet?.port ?? ""), `${name} probe port`).toBe(true)
      }
      const annotations = deployment.spec?.template.metadata.annotations ?? {}
      expect(annotations["prometheus.io/scrape"], name).toBe("true")
      expect([...ports.values()], name).toContain(Number(annotations["prometheus.io/port"]))
      const names = (container?.env ?? []).map((e) => e.name)
      expect(new Set(names).size, `${name} env`).toBe(names.length)
    }
  })

  it("runs the provision hook without the chart's own Secret, which does not exist yet when hooks run", async () => {
    const resources = await render("tributary", documented)
    const created = new Set(resources.filter((r) => r.kind === "Secret").map((r) => r.metadata.name))
    const hooks = resources.filter((r) => r.metadata.annotations?.["helm.sh/hook"] !== undefined)
    expect(hooks.map((h) => h.kind)).toStrictEqual(["Job"])
    for (const hook of hooks) {
      expect(hook.metadata.annotations?.["helm.sh/hook"]).toContain("pre-install")
      expect(secretRefsOf(hook).filter((name) => created.has(name))).toStrictEqual([])
      expect(containersOf(hook)[0]?.args).toStrictEqual(["tributary", "provision", "--replicas", "3"])
    }
  })

  it("uses existing Secrets when given, and keeps an inline metrics token in a Secret of its own", async () => {
    const resources = await render("shop", [
      "--set", "postgres.existingSecret=pg",
      "--set", "secretKey.existingSecret=key",
      "--set", "metricsToken.value=0123456789abcdef01",
      "--set", "proxy.upstreamSecret=client"
    ])
    const secrets = resources.filter((r) => r.kind === "Secret")
    expect(secrets.map((s) => s.metadata.name)).toStrictEqual(["shop-tributary"])
    expect(Object.keys(secrets[0]?.stringData ?? {})).toStrictEqual(["metrics-token"])
    const sync = resources.find((r) => r.metadata.name === "shop-tributary-sync")
    expect(sync === undefined ? [] : secretRefsOf(sync)).toStrictEqual(["pg", "key", "shop-tributary"])
  })

  it("leaves out a component that is switched off", async () => {
    const resources = await render("tributary", [...documented, "--set", "proxy.enabled=false", "--set", "gateway.enabled=false"])
    expect(resources.filter((r) => r.metadata.name.includes("proxy") || r.metadata.name.includes("gateway"))).toStrictEqual([])
  })

  it("refuses to render without the values it cannot guess, naming them", async () => {
    const out = await helm(["template", "tributary", chart])
    expect(out.ok).toBe(false)
    expect(out.stderr).toMatch(/postgres\.url or postgres\.existingSecret is required|secretKey\.value|proxy\.upstreamSecret/)
    const badKey = await helm(["template", "tributary", chart, ...documented, "--set", "secretKey.value=short"])
    expect(badKey.ok).toBe(false)
    expect(badKey.stderr).toContain("secretKey")
  })
})
