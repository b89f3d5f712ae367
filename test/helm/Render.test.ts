/**
 * The chart rendered by a real helm (see support/Helm.ts), with the values docs/deploy.md
 * gives, and checked for what a cluster would trip over: hooks that need what is not there
 * yet, probes on ports that do not exist, names, and the values that must be given.
 */
import { resolve } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { helm, helmBinary, HELMS } from "./support/Helm.js"
import type { HelmRelease } from "./support/Helm.js"

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
  readonly value?: string
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string } }
}
interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: string }
  readonly timeoutSeconds?: number
}
interface Container {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env: ReadonlyArray<EnvVar>
  readonly ports?: ReadonlyArray<{ readonly name: string; readonly containerPort: number }>
  readonly livenessProbe?: Probe
  readonly readinessProbe?: Probe
  readonly securityContext?: Record<string, unknown>
  readonly volumeMounts?: ReadonlyArray<{ readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }>
}
interface Volume {
  readonly name: string
  readonly emptyDir?: { readonly sizeLimit?: string }
  readonly secret?: { readonly secretName: string }
}
type Labels = Record<string, string>
interface Resource {
  readonly kind: string
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> }
  readonly spec?: {
    readonly selector?: { readonly matchLabels: Labels }
    readonly maxUnavailable?: number
    readonly unhealthyPodEvictionPolicy?: string
    readonly template: {
      readonly metadata: { readonly labels?: Labels; readonly annotations?: Record<string, string> }
      readonly spec: {
        readonly securityContext?: Record<string, unknown>
        readonly automountServiceAccountToken?: boolean
        readonly serviceAccountName?: string
        readonly containers: ReadonlyArray<Container>
        readonly volumes?: ReadonlyArray<Volume>
      }
    }
  }
  readonly stringData?: Record<string, string>
  readonly automountServiceAccountToken?: boolean
}

/** A bare Pod (the helm test hook): its spec is where a workload has its template's. */
interface TestPod {
  readonly kind: string
  readonly spec: {
    readonly restartPolicy: string
    readonly securityContext?: Record<string, unknown>
    readonly containers: ReadonlyArray<Container>
    readonly volumes?: ReadonlyArray<Volume>
  }
}

/** What every pod runs with unless values say otherwise: the image's `node` user (1000). */
const podSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: "RuntimeDefault" }
}
const containerSecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] }
}

const renderWith = (version: HelmRelease) => async (release: string, args: ReadonlyArray<string>): Promise<ReadonlyArray<Resource>> => {
  const out = await helm(["template", release, chart, ...args], version)
  expect(out.stderr).toBe("")
  expect(out.ok).toBe(true)
  return parseAllDocuments(out.stdout).map((d) => d.toJS() as Resource | null).filter((r): r is Resource => r !== null)
}

const containersOf = (resource: Resource): ReadonlyArray<Container> => resource.spec?.template.spec.containers ?? []

const secretRefsOf = (resource: Resource): ReadonlyArray<string> =>
  containersOf(resource).flatMap((c) => c.env.flatMap((e) => (e.valueFrom?.secretKeyRef === undefined ? [] : [e.valueFrom.secretKeyRef.name])))

const workloadsOf = (resources: ReadonlyArray<Resource>): ReadonlyArray<Resource> =>
  resources.filter((r) => r.kind === "Deployment" || r.kind === "Job")

const emptyDirsOf = (workload: Resource): ReadonlyArray<Volume> =>
  (workload.spec?.template.spec.volumes ?? []).filter((v) => v.emptyDir !== undefined)

/** Whether a selector's labels pick the pods of a workload (every label present, same value). */
const selects = (selector: Labels, pod: Labels): boolean =>
  Object.entries(selector).every(([key, value]) => pod[key] === value)

/** The name of the volume mounted at `path` in a container, when it is a writable emptyDir of the pod. */
const writableEmptyDirAt = (workload: Resource, container: Container, path: string): string | undefined => {
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === path && m.readOnly !== true)
  const volume = workload.spec?.template.spec.volumes?.find((v) => v.name === mount?.name)
  return volume?.emptyDir === undefined ? undefined : volume.name
}

beforeAll(async () => {
  for (const version of HELMS) await helmBinary(version)
}, 360_000)

describe.each(HELMS)("Helm chart, rendered by helm $version", (version) => {
  const render = renderWith(version)
  const run = (args: ReadonlyArray<string>) => helm(args, version)

  it.skipIf(process.env.TRIBUTARY_HELM !== undefined)("is rendered by the helm it names", async () => {
    const out = await run(["version", "--short"])
    expect(out.stdout.trim()).toMatch(new RegExp(`^${version.version.replaceAll(".", "\\.")}\\+`))
  })

  it("passes helm lint", async () => {
    const out = await run(["lint", chart, ...documented])
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
        // Longer than the proxy's bounded NATS check in /readyz (1.5 s): the probe gets its answer.
        expect(probe?.timeoutSeconds, `${name} probe timeout`).toBe(3)
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
    const sync = resources.find((r) => r.kind === "Deployment" && r.metadata.name === "shop-tributary-sync")
    expect(sync === undefined ? [] : secretRefsOf(sync)).toStrictEqual(["pg", "key", "shop-tributary"])
  })

  it("leaves out a component that is switched off", async () => {
    const resources = await render("tributary", [...documented, "--set", "proxy.enabled=false", "--set", "gateway.enabled=false"])
    expect(resources.filter((r) => r.metadata.name.includes("proxy") || r.metadata.name.includes("gateway"))).toStrictEqual([])
  })

  it("runs every pod as the image's non-root user, without privileges, on a read-only root filesystem with a writable /tmp", async () => {
    const resources = await render("tributary", documented)
    const workloads = workloadsOf(resources)
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toStrictEqual([
      "Deployment/tributary-gateway",
      "Deployment/tributary-proxy",
      "Deployment/tributary-sink",
      "Deployment/tributary-sync",
      "Job/tributary-provision"
    ])
    for (const workload of workloads) {
      const name = workload.metadata.name
      expect(workload.spec?.template.spec.securityContext, `${name} pod`).toStrictEqual(podSecurityContext)
      for (const container of containersOf(workload)) {
        expect(container.securityContext, `${name}/${container.name}`).toStrictEqual(containerSecurityContext)
        // tsx writes its transform cache under os.tmpdir() and fails to load anything when it cannot.
        expect(writableEmptyDirAt(workload, container, "/tmp"), `${name}/${container.name} /tmp`).toBeDefined()
      }
    }
  })

  it("mounts the proxy's TLS Secret read-only beside the writable /tmp", async () => {
    const resources = await render("tributary", [...documented, "--set", "proxy.tlsSecret=proxy-tls"])
    const proxy = resources.find((r) => r.kind === "Deployment" && r.metadata.name === "tributary-proxy")
    const [container] = proxy === undefined ? [] : containersOf(proxy)
    expect(container?.volumeMounts).toContainEqual({ name: "tls", mountPath: "/etc/tributary/tls", readOnly: true })
    expect(proxy?.spec?.template.spec.volumes).toContainEqual({ name: "tls", secret: { secretName: "proxy-tls" } })
    expect(proxy !== undefined && container !== undefined ? writableEmptyDirAt(proxy, container, "/tmp") : undefined).toBeDefined()
  })

  it("caps every emptyDir, 64Mi by default: tsx's transform cache in /tmp takes about 1 MB a component", async () => {
    const sizeLimitsOf = (resources: ReadonlyArray<Resource>) =>
      workloadsOf(resources).flatMap((w) => emptyDirsOf(w).map((v) => `${w.metadata.name}/${v.name}: ${v.emptyDir?.sizeLimit}`))
    const resources = await render("tributary", documented)
    const names = workloadsOf(resources).map((w) => w.metadata.name).sort()
    expect(sizeLimitsOf(resources).sort()).toStrictEqual(names.map((n) => `${n}/tmp: 64Mi`))
    expect(sizeLimitsOf(await render("tributary", [...documented, "--set", "tmpVolume.sizeLimit=256Mi"])).sort())
      .toStrictEqual(names.map((n) => `${n}/tmp: 256Mi`))
    expect(sizeLimitsOf(await render("tributary", [...documented, "--set", "tmpVolume.sizeLimit=null"])).sort())
      .toStrictEqual(names.map((n) => `${n}/tmp: undefined`))
  })

  it("mounts no service account token, since no component talks to the Kubernetes API, unless values ask for one", async () => {
    const tokensOf = async (args: ReadonlyArray<string>) =>
      workloadsOf(await render("tributary", [...documented, ...args])).map((w) => w.spec?.template.spec.automountServiceAccountToken)
    expect(await tokensOf([])).toStrictEqual([false, false, false, false, false])
    expect(await tokensOf(["--set", "automountServiceAccountToken=true"])).toStrictEqual([true, true, true, true, true])
  })

  it("passes TRIBUTARY_TABLES to the sink and the proxy alike, and each component's extraEnv to it", async () => {
    const envOf = (resources: ReadonlyArray<Resource>) =>
      Object.fromEntries(resources.filter((r) => r.kind === "Deployment").map((d) => [
        d.metadata.name,
        Object.fromEntries((containersOf(d)[0]?.env ?? []).filter((e) => e.name === "TRIBUTARY_TABLES" || e.name === "EXTRA").map((e) => [e.name, e.value]))
      ]))
    expect(envOf(await render("tributary", documented))).toStrictEqual({
      "tributary-gateway": {}, "tributary-proxy": {}, "tributary-sink": {}, "tributary-sync": {}
    })
    const tables = { "stripe:customer": { delete_mode: "hard" } }
    const given = await render("tributary", [
      ...documented,
      "--set-json", `tables=${JSON.stringify(tables)}`,
      "--set-json", `sync.extraEnv=[{"name":"EXTRA","value":"sync"}]`,
      "--set-json", `proxy.extraEnv=[{"name":"EXTRA","value":"proxy"}]`
    ])
    expect(envOf(given)).toStrictEqual({
      "tributary-gateway": {},
      "tributary-proxy": { TRIBUTARY_TABLES: JSON.stringify(tables), EXTRA: "proxy" },
      "tributary-sink": { TRIBUTARY_TABLES: JSON.stringify(tables) },
      "tributary-sync": { EXTRA: "sync" }
    })
  })

  it("runs the Deployments as a ServiceAccount of the release's own, without a token; the hook Job as the namespace's", async () => {
    const accountsOf = (resources: ReadonlyArray<Resource>) =>
      Object.fromEntries(workloadsOf(resources).map((w) => [`${w.kind}/${w.metadata.name}`, w.spec?.template.spec.serviceAccountName]))
    const created = await render("tributary", documented)
    expect(created.filter((r) => r.kind === "ServiceAccount").map((r) => [r.metadata.name, r.automountServiceAccountToken]))
      .toStrictEqual([["tributary", false]])
    expect(accountsOf(created)).toStrictEqual({
      "Deployment/tributary-gateway": "tributary",
      "Deployment/tributary-proxy": "tributary",
      "Deployment/tributary-sink": "tributary",
      "Deployment/tributary-sync": "tributary",
      // A hook runs before the chart's resources exist.
      "Job/tributary-provision": undefined
    })
    const given = await render("tributary", [...documented, "--set", "serviceAccount.create=false", "--set", "serviceAccount.name=ops"])
    expect(given.filter((r) => r.kind === "ServiceAccount")).toStrictEqual([])
    expect(new Set(Object.values(accountsOf(given)))).toStrictEqual(new Set(["ops"]))
  })

  it("takes security contexts from values, and drops a default set to null", async () => {
    const resources = await render("tributary", [
      ...documented,
      "--set", "podSecurityContext.runAsUser=2000",
      "--set", "podSecurityContext.fsGroup=null",
      "--set", "securityContext.readOnlyRootFilesystem=false"
    ])
    const workloads = workloadsOf(resources)
    expect(workloads.length).toBe(5)
    const { runAsNonRoot, runAsGroup, seccompProfile } = podSecurityContext
    for (const workload of workloads) {
      expect(workload.spec?.template.spec.securityContext, workload.metadata.name)
        .toStrictEqual({ runAsNonRoot, runAsUser: 2000, runAsGroup, seccompProfile })
      for (const container of containersOf(workload)) {
        expect(container.securityContext, workload.metadata.name).toStrictEqual({ ...containerSecurityContext, readOnlyRootFilesystem: false })
      }
    }
    const cleared = await render("tributary", [...documented, "--set", "podSecurityContext=null", "--set", "securityContext=null"])
    for (const workload of workloadsOf(cleared)) {
      expect(workload.spec?.template.spec.securityContext, workload.metadata.name).toBeUndefined()
      expect(containersOf(workload)[0]?.securityContext, workload.metadata.name).toBeUndefined()
    }
  })

  it("keeps one pod of every replicated component up through a voluntary disruption, selecting exactly that component's pods", async () => {
    const resources = await render("tributary", documented)
    const deployments = resources.filter((r) => r.kind === "Deployment")
    const budgets = resources.filter((r) => r.kind === "PodDisruptionBudget")
    expect(budgets.map((b) => b.metadata.name).sort()).toStrictEqual(deployments.map((d) => d.metadata.name).sort())
    for (const budget of budgets) {
      const name = budget.metadata.name
      expect(budget.spec?.maxUnavailable, name).toBe(1)
      // Pods that run but are not ready (crash-looping) are evictable under IfHealthyBudget only
      // while the budget holds; with more of them than it allows, a node drain would hang.
      expect(budget.spec?.unhealthyPodEvictionPolicy, name).toBe("AlwaysAllow")
      const selector = budget.spec?.selector?.matchLabels ?? {}
      expect(Object.keys(selector).length, name).toBeGreaterThan(0)
      const selected = deployments.filter((d) => selects(selector, d.spec?.template.metadata.labels ?? {}))
      expect(selected.map((d) => d.metadata.name), name).toStrictEqual([name])
      expect(selector, name).toStrictEqual(selected[0]?.spec?.selector?.matchLabels)
    }
  })

  it("takes the disruption budgets' unhealthy pod eviction policy from values, and drops it set to null", async () => {
    const policiesOf = async (args: ReadonlyArray<string>) =>
      (await render("tributary", [...documented, ...args])).filter((r) => r.kind === "PodDisruptionBudget").map((b) => b.spec?.unhealthyPodEvictionPolicy)
    expect(await policiesOf(["--set", "podDisruptionBudget.unhealthyPodEvictionPolicy=IfHealthyBudget"]))
      .toStrictEqual(["IfHealthyBudget", "IfHealthyBudget", "IfHealthyBudget", "IfHealthyBudget"])
    expect(await policiesOf(["--set", "podDisruptionBudget.unhealthyPodEvictionPolicy=null"]))
      .toStrictEqual([undefined, undefined, undefined, undefined])
  })

  it("leaves out the disruption budget of a component with one replica, one switched off, or all when asked", async () => {
    const budgetsOf = async (args: ReadonlyArray<string>) =>
      (await render("tributary", [...documented, ...args])).filter((r) => r.kind === "PodDisruptionBudget").map((b) => b.metadata.name).sort()
    expect(await budgetsOf(["--set", "sync.replicas=1", "--set", "proxy.enabled=false"])).toStrictEqual(["tributary-gateway", "tributary-sink"])
    expect(await budgetsOf(["--set", "podDisruptionBudget.enabled=false"])).toStrictEqual([])
  })

  it("adds a helm test pod that runs tributary verify for each listed sync, with what verify reads, only when syncs are listed", async () => {
    const hooksOf = (resources: ReadonlyArray<Resource>) => resources.filter((r) => r.metadata.annotations?.["helm.sh/hook"] === "test")
    expect(hooksOf(await render("tributary", documented))).toStrictEqual([])
    const tables = { "stripe:customer": { delete_mode: "hard" } }
    const resources = await render("tributary", [
      ...documented,
      "--set-json", `verify.syncs=["sync_a","sync_b"]`,
      "--set-json", `tables=${JSON.stringify(tables)}`
    ])
    // A bare Pod has its spec where a workload has its template's.
    const [pod, ...others] = hooksOf(resources) as ReadonlyArray<unknown> as ReadonlyArray<TestPod>
    expect(others).toStrictEqual([])
    expect(pod?.kind).toBe("Pod")
    expect(pod?.spec.restartPolicy).toBe("Never")
    expect(pod?.spec.securityContext).toStrictEqual(podSecurityContext)
    const containers = pod?.spec.containers ?? []
    expect(containers.map((c) => c.args)).toStrictEqual([
      ["tributary", "verify", "--sync", "sync_a", "--expected", "auto"],
      ["tributary", "verify", "--sync", "sync_b", "--expected", "auto"]
    ])
    const proxy = resources.find((r) => r.kind === "Deployment" && r.metadata.name === "tributary-proxy")
    const proxyEnv = new Map((proxy === undefined ? [] : containersOf(proxy)[0]?.env ?? []).map((e) => [e.name, e]))
    for (const container of containers) {
      expect(container.securityContext).toStrictEqual(containerSecurityContext)
      expect(container.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" })
      const env = new Map(container.env.map((e) => [e.name, e]))
      // verify reads Postgres as the sink's owner role, decrypts the sync's key and finds the tables as the sink and the proxy do.
      for (const name of ["TRIBUTARY_NATS_URL", "TRIBUTARY_NAMESPACE", "TRIBUTARY_POSTGRES_URL", "TRIBUTARY_SECRET_KEY", "TRIBUTARY_TABLES"]) {
        expect(env.get(name), `${container.name} ${name}`).toStrictEqual(proxyEnv.get(name))
      }
    }
    expect(pod?.spec.volumes).toContainEqual({ name: "tmp", emptyDir: { sizeLimit: "64Mi" } })
    const bad = await run(["template", "tributary", chart, ...documented, "--set", "verify.expected=dump"])
    expect(bad.ok).toBe(false)
    expect(bad.stderr).toContain("verify")
  })

  it("refuses to render without the values it cannot guess, naming them", async () => {
    const out = await run(["template", "tributary", chart])
    expect(out.ok).toBe(false)
    expect(out.stderr).toMatch(/postgres\.url or postgres\.existingSecret is required|secretKey\.value|proxy\.upstreamSecret/)
    const badKey = await run(["template", "tributary", chart, ...documented, "--set", "secretKey.value=short"])
    expect(badKey.ok).toBe(false)
    expect(badKey.stderr).toContain("secretKey")
  })
})
