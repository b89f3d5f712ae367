/**
 * Comparing what a sync published with the emulator's dump: the same objects, with the
 * same content, in every collection.
 */
import type { AdminClient, Dump } from "@tributary/stripe-emulator"
import type { Published } from "./Records.js"

/** Dump collection → Tributary collection. */
const collectionOf = (dumpName: string): string | undefined => {
  if (dumpName === "account") return undefined
  if (dumpName === "checkout.session") return "stripe:checkout_session"
  return `stripe:${dumpName}`
}

/**
 * The lists Stripe returns only when expanded (`charge.refunds`, checkout `line_items`) are in
 * records expanded and whole, because the connector reads them expanded and pages them through;
 * the dump shows them the same way when asked, so records are compared with it as they are.
 */
export const DUMP_OPTIONS = { expand: ["charge.refunds", "checkout.session.line_items"] } as const

/** The emulator's state as a sync should have copied it: what `differences` compares records with. */
export const expectedDump = (admin: Pick<AdminClient, "dump">): Promise<Dump> => admin.dump(DUMP_OPTIONS)

export interface Difference {
  readonly collection: string
  readonly id: string
  readonly problem: "missing" | "extra" | "different"
  readonly detail?: string
}

const firstDifference = (a: unknown, b: unknown, path = ""): string | undefined => {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`)
      if (found !== undefined) return found
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 120)} ≠ ${JSON.stringify(b)?.slice(0, 120)}`
}

/** Subscriptions that will never invoice again: Stripe (and the emulator) preview no upcoming invoice for them. */
const ENDED = new Set(["canceled", "incomplete_expired"])

/**
 * Upcoming invoices are virtual (computed on request, never in the dump): a live record keyed
 * by each subscription that will invoice again, and none for the others.
 */
const upcomingDifferences = (dump: Dump, records: ReadonlyMap<string, ReadonlyMap<string, Published>>): Array<Difference> => {
  const collection = "stripe:upcoming_invoice"
  const invoicing = new Set((dump.subscription ?? []).flatMap((object) => {
    const s = object as { id?: unknown; status?: unknown }
    return typeof s.id === "string" && typeof s.status === "string" && !ENDED.has(s.status) ? [s.id] : []
  }))
  const published = records.get(collection) ?? new Map<string, Published>()
  const out: Array<Difference> = []
  for (const id of invoicing) {
    const record = published.get(id)
    if (record === undefined || record.deleted) out.push({ collection, id, problem: "missing" })
  }
  for (const [id, record] of published) {
    if (!record.deleted && !invoicing.has(id)) out.push({ collection, id, problem: "extra", detail: "its subscription will not invoice again" })
  }
  return out
}

export const differences = (dump: Dump, records: ReadonlyMap<string, ReadonlyMap<string, Published>>): Array<Difference> => {
  const out: Array<Difference> = upcomingDifferences(dump, records)
  const compared = new Set<string>()
  for (const [dumpName, objects] of Object.entries(dump)) {
    const collection = collectionOf(dumpName)
    if (collection === undefined) continue
    compared.add(collection)
    const published = records.get(collection) ?? new Map<string, Published>()
    const expected = new Map<string, Record<string, unknown>>()
    for (const object of objects) {
      const o = object as Record<string, unknown>
      if (typeof o.id === "string") expected.set(o.id, o)
    }
    for (const [id, object] of expected) {
      const record = published.get(id)
      if (record === undefined || record.deleted) {
        out.push({ collection, id, problem: "missing" })
        continue
      }
      const detail = firstDifference(object, record.data)
      if (detail !== undefined) out.push({ collection, id, problem: "different", detail })
    }
    for (const [id, record] of published) {
      if (!record.deleted && !expected.has(id)) out.push({ collection, id, problem: "extra" })
    }
  }
  return out
}

/** Live records per collection (none where there are none), as a backfill's `row_counts` should give them. */
export const nonZeroCounts = (records: ReadonlyMap<string, ReadonlyMap<string, Published>>): Record<string, number> =>
  Object.fromEntries(Object.entries(counts(records)).filter(([, n]) => n > 0))

/** Live records per collection, for a readable assertion. */
export const counts = (records: ReadonlyMap<string, ReadonlyMap<string, Published>>): Record<string, number> =>
  Object.fromEntries([...records].map(([c, m]) => [c, [...m.values()].filter((r) => !r.deleted).length]).sort())
