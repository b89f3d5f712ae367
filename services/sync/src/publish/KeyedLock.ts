/**
 * One at a time per key: versions of one record are decided and published in turn, while
 * different records go in parallel. Entries live only while someone holds or waits.
 */
import { Effect } from "effect"

export interface KeyedLock {
  readonly withLock: <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

export const make = (): KeyedLock => {
  const locks = new Map<string, { readonly semaphore: Effect.Semaphore; users: number }>()
  const acquire = (key: string) =>
    Effect.sync(() => {
      const existing = locks.get(key)
      if (existing !== undefined) {
        existing.users++
        return existing
      }
      const created = { semaphore: Effect.unsafeMakeSemaphore(1), users: 1 }
      locks.set(key, created)
      return created
    })
  const release = (key: string, lock: { users: number }) =>
    Effect.sync(() => {
      lock.users--
      if (lock.users === 0) locks.delete(key)
    })
  return {
    withLock: (key, effect) =>
      Effect.acquireUseRelease(acquire(key), (lock) => lock.semaphore.withPermits(1)(effect), (lock) => release(key, lock))
  }
}
