/**
 * Compare-and-set changes to settlement records, retried on conflict: several replicas may
 * settle messages of the same batch at once (a worker acks half a batch through each).
 */
import type { Entry, Kv } from "../wire/Kv.js"
import * as Settlement from "./Settlement.js"

const MAX_ATTEMPTS = 20

/**
 * Apply `change` to the settlement of `batch`. `change` returns the new record (or `undefined`
 * to leave it as is) and a result; it may run several times, so it must not have effects.
 */
export const mutate = async <A>(
  kv: Kv,
  key: string,
  change: (current: Settlement.Settlement) => { readonly next: Settlement.Settlement | undefined; readonly result: A }
): Promise<A> => {
  // Most batches are settled once, in one request: assume the record is absent and try to
  // create it; read it only when that assumption fails.
  let entry: Entry | undefined = undefined
  let known = false
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { next, result } = change(Settlement.decode(entry?.value))
    if (next === undefined && known) return result
    if (next !== undefined) {
      const written = entry === undefined
        ? await kv.create(key, Settlement.encode(next))
        : await kv.update(key, Settlement.encode(next), entry.revision)
      if (written !== "conflict") return result
    }
    entry = await kv.get(key)
    known = true
  }
  throw new Error(`settlement ${key} kept changing under ${MAX_ATTEMPTS} attempts`)
}
