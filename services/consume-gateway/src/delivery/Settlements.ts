/**
 * Compare-and-set changes to settlement records, retried on conflict: several replicas may
 * settle messages of the same batch at once (a worker acks half a batch through each).
 */
import type { Kv } from "../wire/Kv.js"
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
  for (let attempt = 0; ; attempt++) {
    const entry = await kv.get(key)
    const { next, result } = change(Settlement.decode(entry?.value))
    if (next === undefined) return result
    const written = entry === undefined
      ? await kv.create(key, Settlement.encode(next))
      : await kv.update(key, Settlement.encode(next), entry.revision)
    if (written !== "conflict") return result
    if (attempt >= MAX_ATTEMPTS) throw new Error(`settlement ${key} kept changing under ${MAX_ATTEMPTS} attempts`)
  }
}
