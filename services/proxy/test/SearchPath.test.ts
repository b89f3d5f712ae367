/** A search_path's schema names as Postgres reads the setting (`SearchPath.schemasOf`). */
import { describe, expect, it } from "vitest"
import { schemasOf } from "../src/sql/SearchPath.js"

describe("schemasOf", () => {
  it("folds unquoted names to lower case and keeps quoted ones as written", () => {
    expect(schemasOf("\"$user\", public")).toEqual(["$user", "public"])
    expect(schemasOf("Stripe,PG_TEMP")).toEqual(["stripe", "pg_temp"])
    expect(schemasOf("\"Own \"\"Names\"\"\", \"pg_temp\" , \"A,B\"")).toEqual(["Own \"Names\"", "pg_temp", "A,B"])
    expect(schemasOf("")).toEqual([])
  })
})
