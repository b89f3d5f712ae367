/**
 * docs/consuming.md tells internal teams which subjects and streams to use with the `nats` CLI.
 * Its subjects and stream names are checked against the subject scheme, and its consumer is
 * created as the CLI would create it (translated to this test's namespace) and receives what
 * a sync publishes.
 */
import { readFileSync } from "node:fs"
import { AckPolicy, DeliverPolicy, ReplayPolicy } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { Collection, Ids, Namespace, Subjects } from "@tributary/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

// Continued shell lines joined, so each command is one line.
const doc = readFileSync(new URL("../../docs/consuming.md", import.meta.url), "utf8").replace(/\\\n\s*/g, "")
const ns = Namespace.defaultNamespace
const sync = Ids.SyncId.make("sync_1")
const customer = Collection.CollectionId.make("stripe:customer")
const invoice = Collection.CollectionId.make("stripe:invoice")

const match = (pattern: RegExp): RegExpExecArray => {
  const found = pattern.exec(doc)
  if (found === null) throw new Error(`docs/consuming.md has no ${pattern}`)
  return found
}
const rows = new Map([...doc.matchAll(/^\| ([^|]+?) \| `([^`]+)` \|$/gm)].map((m) => [m[1]!, m[2]!]))
const add = match(/^nats consumer add (\S+) (\S+) (.*)$/m)
const flag = (name: string) => new RegExp(`--${name}[ =]'?([^ ']+)'?`).exec(add[3]!)?.[1]

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(1)
})
afterAll(() => stack.close())

describe("docs/consuming.md", () => {
  it("names the subjects and streams of the subject scheme", () => {
    expect(match(/^`<root>` is `([a-z_]+)`/m)[1]).toBe(ns.root)
    expect(match(/^<root>\.records\.\S+ +stream (\w+):/m)[1]).toBe(ns.streams.records)
    expect(match(/^<root>\.events\.\S+ +stream (\w+):/m)[1]).toBe(ns.streams.events)
    expect(rows.get("all customers of all syncs")).toBe(Subjects.filter(ns, "records", { sync_id: "*", collection_id: customer }))
    expect(rows.get("everything of one sync")).toBe(`${ns.root}.records.${sync}.>`)
    expect(rows.get("every change of one record")).toBe(Subjects.forRecord(ns, "events", sync, customer, "cus_123"))
    expect(match(/^nats sub '([^']+)'$/m)[1]).toBe(Subjects.filter(ns, "events", { sync_id: "*", collection_id: customer }))
    expect(add[1]).toBe(ns.streams.records)
    expect(flag("filter")).toBe(Subjects.filter(ns, "records", { sync_id: "*", collection_id: invoice }))
    for (const command of doc.matchAll(/^nats consumer (?:next|info) (\S+) (\S+)/gm)) expect([command[1], command[2]]).toEqual([add[1], add[2]])
    const get = match(/^nats stream get (\S+) --last-for '([^']+)'$/m)
    expect([get[1], get[2]]).toEqual([ns.streams.records, Subjects.forRecord(ns, "records", sync, customer, "cus_123")])
  })

  it("gives `--deliver` values the nats CLI takes", () => {
    // natscli's `setStartPolicy` takes all, last, new/next, subject/last_per_subject, a sequence or a duration.
    const values = [...doc.matchAll(/--deliver[ =]([^\s`]+)/g)].map((m) => m[1]!)
    expect(values.length).toBeGreaterThan(1)
    for (const value of values) expect(["all", "last", "new", "next", "subject", "last_per_subject"]).toContain(value)
  })

  it("its consumer, made in this test's namespace, receives the records a sync publishes", async () => {
    const filter = flag("filter")!.replace(`${ns.root}.`, `${stack.ns.root}.`)
    const name = `doc_${add[2]}`
    await stack.nats.jsm.consumers.add(stack.ns.streams.records, {
      durable_name: name,
      deliver_policy: flag("deliver") === "all" ? DeliverPolicy.All : DeliverPolicy.LastPerSubject,
      ack_policy: flag("ack") === "explicit" ? AckPolicy.Explicit : AckPolicy.None,
      ack_wait: nanos(30_000),
      max_deliver: Number(flag("max-deliver")),
      max_ack_pending: Number(flag("max-pending")),
      replay_policy: flag("replay") === "instant" ? ReplayPolicy.Instant : ReplayPolicy.Original,
      filter_subject: filter
    })
    await Harness.publishRecords(stack, [{ id: "in_doc", idx: 1, collection: invoice, sync }, { id: "cus_doc", idx: 1, sync }])
    const consumer = await stack.nats.js.consumers.get(stack.ns.streams.records, name)
    const batch = await consumer.fetch({ max_messages: 10, expires: 1_000 })
    const subjects: Array<string> = []
    for await (const msg of batch) {
      subjects.push(msg.subject)
      msg.ack()
    }
    expect(subjects).toEqual([Subjects.forRecord(stack.ns, "records", sync, invoice, "in_doc")])
  })
})
