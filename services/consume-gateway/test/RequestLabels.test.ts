import { describe, expect, it } from "vitest"
import * as Metrics from "../src/observability/Metrics.js"

const known = (names: ReadonlyArray<string>) => (name: string) => names.includes(name)

describe("request labels", () => {
  it("name the consumer of a consumer route when the replica knows it", () => {
    expect(Metrics.requestLabels("/v1/consumers/orders/next?batch_size=10", known(["orders"])))
      .toEqual({ route: "/v1/consumers/{name}/next", consumer: "orders" })
    expect(Metrics.requestLabels("/v1/consumers/orders", known(["orders"]))).toEqual({ route: "/v1/consumers/{name}", consumer: "orders" })
    expect(Metrics.requestLabels("/v1/consumers/%6Frders/ack", known(["orders"]))).toEqual({ route: "/v1/consumers/{name}/ack", consumer: "orders" })
  })

  it("say `unknown` for any other name, and nothing outside the consumer routes", () => {
    expect(Metrics.requestLabels("/v1/consumers/nobody/next", known(["orders"]))).toEqual({ route: "/v1/consumers/{name}/next", consumer: "unknown" })
    expect(Metrics.requestLabels("/v1/consumers/%E0%A4%A/next", known([]))).toEqual({ route: "/v1/consumers/{name}/next", consumer: "unknown" })
    expect(Metrics.requestLabels("/v1/consumers", known(["orders"]))).toEqual({ route: "/v1/consumers", consumer: "" })
    expect(Metrics.requestLabels("/v1/syncs/orders", known(["orders"]))).toEqual({ route: "/v1/syncs/{id}", consumer: "" })
    // A path the gateway does not serve is `unmatched`, whatever name it has.
    expect(Metrics.requestLabels("/v1/consumers/orders/bogus", known(["orders"]))).toEqual({ route: "unmatched", consumer: "" })
  })

  it("are looked at again when answered only if the consumer was not known on arrival", () => {
    const path = "/v1/consumers/orders"
    // Created a moment ago through another replica: known only once this request read it.
    expect(Metrics.recheck(Metrics.requestLabels(path, known([])), path, known(["orders"])).consumer).toBe("orders")
    // Deleted by this request: known on arrival, keeps its name.
    expect(Metrics.recheck(Metrics.requestLabels(path, known(["orders"])), path, known([])).consumer).toBe("orders")
    expect(Metrics.recheck(Metrics.requestLabels(path, known([])), path, known([])).consumer).toBe("unknown")
  })
})
