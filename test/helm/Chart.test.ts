/**
 * Static checks of the Helm chart. No `helm` binary is available on our machines, so
 * these check what a render would trip over: values that fail the schema, templates
 * reading values that do not exist, values without a comment, components that cannot
 * be switched off.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Ajv } from "ajv"
import { describe, expect, it } from "vitest"
import { parse, parseDocument, isMap, isScalar } from "yaml"
import type { Node } from "yaml"

const chart = resolve(import.meta.dirname, "../../deploy/helm/tributary")
const valuesText = readFileSync(join(chart, "values.yaml"), "utf8")
const values = parse(valuesText) as Record<string, unknown>
const schema = JSON.parse(readFileSync(join(chart, "values.schema.json"), "utf8")) as object
// Helm reads templates/ and its subfolders (tests/ holds the `helm test` hooks).
const templates = readdirSync(join(chart, "templates"), { recursive: true, encoding: "utf8" })
  .filter((name) => /\.(yaml|tpl|txt)$/.test(name))
  .map((name) => ({
    name,
    text: readFileSync(join(chart, "templates", name), "utf8")
  }))
const components = ["sync", "sink", "gateway", "proxy"]

const validate = new Ajv({ allErrors: true }).compile(schema)

const lookup = (path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined), values)

describe("Helm chart", () => {
  it("ships default values that satisfy values.schema.json", () => {
    expect(validate(values), JSON.stringify(validate.errors)).toBe(true)
  })

  it("rejects values a user could get wrong", () => {
    const broken = {
      ...values,
      secretKey: { value: "too short" },
      nats: { url: "http://nats:4222" },
      tmpVolume: { sizeLimit: "64 MB" },
      podDisruptionBudget: { enabled: true, unhealthyPodEvictionPolicy: "Always" }
    }
    expect(validate(broken)).toBe(false)
    const fields = (validate.errors ?? []).map((e) => e.instancePath)
    expect(fields).toContain("/secretKey/value")
    expect(fields).toContain("/nats/url")
    expect(fields).toContain("/tmpVolume/sizeLimit")
    expect(fields).toContain("/podDisruptionBudget/unhealthyPodEvictionPolicy")
  })

  it("reads only values that exist in values.yaml", () => {
    const missing = templates.flatMap(({ name, text }) =>
      [...text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)]
        .map((match) => match[1]!.slice(1).split("."))
        .filter((path) => lookup(path) === undefined)
        .map((path) => `${name}: .Values.${path.join(".")}`)
    )
    expect(missing).toStrictEqual([])
  })

  it("comments every value", () => {
    const uncommented: Array<string> = []
    const visit = (node: Node | null, path: string) => {
      if (!isMap(node)) return
      node.items.forEach((pair, index) => {
        const key = isScalar(pair.key) ? String(pair.key.value) : "?"
        const child = pair.value as Node | null
        // yaml hangs the comment above a map's first key on the map itself.
        const comment = (isScalar(pair.key) ? pair.key.commentBefore : undefined) ??
          (index === 0 ? node.commentBefore : undefined)
        if (!isMap(child) && !comment) uncommented.push(`${path}${key}`)
        if (isMap(child)) visit(child, `${path}${key}.`)
      })
    }
    visit(parseDocument(valuesText).contents, "")
    expect(uncommented).toStrictEqual([])
  })

  it("lets every component be switched off", () => {
    for (const component of components) {
      const own = templates.filter(({ name }) => name.startsWith(`${component}-`))
      expect(own.length, component).toBeGreaterThan(0)
      for (const { name, text } of own) {
        expect(text.startsWith(`{{- if .Values.${component}.enabled }}`), name).toBe(true)
      }
    }
  })

  it("has the files a chart needs", () => {
    const names = templates.map((t) => t.name)
    expect(names).toEqual(expect.arrayContaining(["_helpers.tpl", "NOTES.txt", "secret.yaml", "provision-job.yaml"]))
  })
})
