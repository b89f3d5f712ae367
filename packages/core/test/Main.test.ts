import { Cause, Data } from "effect"
import { describe, expect, it } from "vitest"
import { Main } from "../src/index.js"

/** Shaped like @effect/platform's `ServeError`: a tag, a cause, and no message of its own. */
class ServeError extends Data.TaggedError("ServeError")<{ readonly cause: unknown }> {}

class Refused extends Data.TaggedError("Refused")<{ readonly message: string }> {}

describe("Main.describeFailure", () => {
  it("prints a tagged error's own message, without a stack", () => {
    expect(Main.describeFailure(Cause.fail(new Refused({ message: "no sync named \"x\"" })))).toBe("error: no sync named \"x\"")
  })

  it("names the cause of a tagged error that has no message of its own (the port is in use)", () => {
    const inUse = Object.assign(new Error("listen EADDRINUSE: address already in use :::8080"), { code: "EADDRINUSE" })
    expect(Main.describeFailure(Cause.fail(new ServeError({ cause: inUse }))))
      .toBe("error: ServeError: listen EADDRINUSE: address already in use :::8080")
  })

  it("falls back to the whole cause for what is not a tagged error", () => {
    expect(Main.describeFailure(Cause.die(new Error("boom")))).toContain("boom")
  })
})
