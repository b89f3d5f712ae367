/**
 * `/openapi.json` is generated from the Schemas that validate requests: each body is documented
 * as exactly the Schema that decodes it, and what the document says a field takes is what
 * validation takes.
 */
import { OpenApi } from "@effect/platform"
import { Either, JSONSchema, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { GatewayApi } from "../src/api/Api.js"
import * as S from "../src/api/Schemas.js"

interface Property {
  readonly minimum?: number
  readonly maximum?: number
  readonly anyOf?: ReadonlyArray<unknown>
}

const document = OpenApi.fromApi(GatewayApi) as unknown as {
  readonly components: { readonly schemas: Record<string, { readonly properties: Record<string, Property> }> }
}
/** The document as its own type says: the paths and their parameters. */
const spec = OpenApi.fromApi(GatewayApi)
const accepts = (body: unknown) => Either.isRight(Schema.decodeUnknownEither(S.CreateConsumer)(body))

describe("the OpenAPI document", () => {
  it("documents each consume and consumer body as the Schema that validates it", () => {
    const own = (schema: Schema.Schema.Any) => (JSONSchema.make(schema) as { readonly $defs: Record<string, unknown> }).$defs
    const bodies: ReadonlyArray<readonly [string, Schema.Schema.Any]> = [["CreateConsumer", S.CreateConsumer],
      ["UpdateConsumer", S.UpdateConsumer], ["AckRequest", S.AckRequest], ["NackRequest", S.NackRequest],
      ["RedriveRequest", S.RedriveRequest]]
    for (const [name, schema] of bodies) expect(document.components.schemas[name], name).toEqual(own(schema)[name])
  })

  it("states the bounds that validation enforces, max_deliver's gap at 0 included", () => {
    const fields = document.components.schemas["CreateConsumer"]!.properties
    for (const field of ["ack_wait_ms", "max_ack_pending"]) {
      const { minimum, maximum } = fields[field]!
      expect([minimum, maximum].every((n) => typeof n === "number"), field).toBe(true)
      expect([minimum! - 1, minimum, maximum, maximum! + 1].map((value) => accepts({ name: "c", [field]: value })), field)
        .toEqual([false, true, true, false])
    }
    expect(fields["max_deliver"]!.anyOf).toEqual([{ const: -1 }, { minimum: 1 }])
    expect([-2, -1, 0, 1].map((value) => accepts({ name: "c", max_deliver: value }))).toEqual([false, true, false, true])
  })

  it("states the query parameters as integers with the bounds and defaults validation takes (it said string)", () => {
    const next = (query: Record<string, string>) => Either.isRight(Schema.decodeUnknownEither(S.NextParams)(query))
    const deadLetters = (query: Record<string, string>) => Either.isRight(Schema.decodeUnknownEither(S.DeadLetterParams)(query))
    const cases = [
      ["/v1/consumers/{name}/next", "get", next, { batch_size: [1, 1000, 1], wait_for: [0, 60_000, 0] }],
      ["/v1/consumers/{name}/next", "post", next, { batch_size: [1, 1000, 1], wait_for: [0, 60_000, 0] }],
      ["/v1/consumers/{name}/dead-letters", "get", deadLetters, { after: [0, undefined, 0], limit: [1, 1000, 100] }]
    ] as const
    for (const [path, method, decodes, expected] of cases) {
      for (const [name, [minimum, maximum, fallback]] of Object.entries(expected)) {
        const parameter = spec.paths[path]?.[method]?.parameters.find((p) => p.name === name && p.in === "query")
        const schema: Readonly<Record<string, unknown>> = { ...parameter?.schema }
        expect(schema, `${method} ${path} ${name}`).toMatchObject({ type: "integer", minimum, default: fallback })
        expect(schema["maximum"], `${method} ${path} ${name}`).toBe(maximum)
        const around = [minimum - 1, minimum, ...(maximum === undefined ? [] : [maximum, maximum + 1])]
        expect(around.map((n) => decodes({ [name]: String(n) })), name)
          .toEqual(maximum === undefined ? [false, true] : [false, true, true, false])
        expect(decodes({ [name]: `${minimum}.5` }), name).toBe(false)
      }
    }
  })
})
