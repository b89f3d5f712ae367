import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { Collection, Ids, Namespace, Record, Subjects, SubjectToken } from "../src/index.js"

const ns = Namespace.make()
const sync = Ids.SyncId.make("sync_1")
const customers = Collection.make("stripe", "customer")

describe("Subjects", () => {
  it("names a record by sync, collection and encoded id", () => {
    expect(Subjects.forRecord(ns, "records", sync, customers, "cus.1")).toBe(
      "tributary.records.sync_1.stripe_customer.cus~002E1"
    )
  })

  it("parses what it formats", () => {
    const subject = Subjects.forRecord(ns, "events", sync, Collection.make("stripe", "invoice_line_item"), "il 1")
    expect(Subjects.parse(ns, subject)).toStrictEqual(
      Either.right({
        kind: "events",
        sync,
        collection: Collection.make("stripe", "invoice_line_item"),
        upstreamId: Ids.UpstreamId.make("il 1")
      })
    )
  })

  it.each([
    ["a collection token that is not a collection", "tributary.records.sync_1.Stripe_Customer.cus_1"],
    ["a collection token without an object", "tributary.records.sync_1.stripe.cus_1"],
    ["a sync token that is not a sync id", `tributary.records.${"s".repeat(65)}.stripe_customer.cus_1`],
    ["an empty record token", "tributary.records.sync_1.stripe_customer.~"],
    ["a record token with a bad escape", "tributary.records.sync_1.stripe_customer.cus~00"],
    ["too few tokens", "tributary.records.sync_1.stripe_customer"]
  ])("refuses %s with an InvalidSubjectToken, never a throw", (_, subject) => {
    const parsed = Subjects.parse(ns, subject)
    expect(Either.isLeft(parsed) && parsed.left._tag).toBe("InvalidSubjectToken")
  })

  it("accepts exactly the record tokens parse accepts", () => {
    for (const token of ["cus_1", "cus~002E1", "~0020"]) expect(Subjects.isRecordToken(token)).toBe(true)
    for (const token of ["~", "cus~00", "cus.1", ""]) expect(Subjects.isRecordToken(token)).toBe(false)
  })

  it("reads the upstream id of a record token, as parse does", () => {
    for (const id of ["cus_1", "cus.1", " ", "ü*>"]) {
      expect(Subjects.upstreamIdOf(SubjectToken.encode(id))).toStrictEqual(Either.right(id))
    }
    for (const token of ["~", "cus~00", "cus.1", ""]) expect(Either.isLeft(Subjects.upstreamIdOf(token))).toBe(true)
  })

  it("builds wildcard filters", () => {
    expect(Subjects.filter(ns, "records", { sync_id: "*", collection_id: customers })).toBe(
      "tributary.records.*.stripe_customer.*"
    )
  })

  it("keeps test namespaces apart from production", () => {
    const test = Namespace.make("t_abc")
    expect(test.streams.records).toBe("T_ABC_RECORDS")
    expect(Subjects.all(test, "records")).toBe("t_abc.records.>")
    expect(ns.streams.records).toBe("RECORDS")
  })

  it("derives the same record id for the same object, and different ids otherwise", () => {
    const a = Record.recordIdFor(sync, customers, "cus_1")
    expect(a).toBe(Record.recordIdFor(sync, customers, "cus_1"))
    expect(a).not.toBe(Record.recordIdFor(Ids.SyncId.make("sync_2"), customers, "cus_1"))
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it("keeps the record ids already stored: the same as a SHA-1 name-based UUID made with a Hash object", () => {
    expect(Record.recordIdFor(sync, customers, "cus_1")).toBe("556a0232-3ee1-5147-b62f-3b13f31d964c")
    // Names longer than the reused buffer, in bytes and in characters, hash the same way.
    expect(Record.recordIdFor(sync, customers, "é".repeat(400))).toBe("b42a8d32-e9bf-5265-8a35-dad7def0b55c")
    expect(Record.recordIdFor(sync, customers, "x".repeat(2000))).toBe("952622a8-8547-577f-823e-7ee55ffa52a3")
  })
})
