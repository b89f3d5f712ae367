/**
 * One at a time per key: versions of one record are decided and published in turn, while
 * different records go in parallel. Promise-based, because it wraps every record publish
 * of a backfill and must cost next to nothing; entries live only while someone holds or
 * waits.
 */
export interface KeyedLock {
  readonly run: <A>(key: string, task: () => Promise<A>) => Promise<A>
}

export const make = (): KeyedLock => {
  const tails = new Map<string, Promise<unknown>>()
  return {
    run: <A>(key: string, task: () => Promise<A>): Promise<A> => {
      const before = tails.get(key)
      const result = before === undefined ? task() : before.then(task, task)
      // Settles when the task does, never rejects; the last one out removes the key.
      const release = () => {
        if (tails.get(key) === tail) tails.delete(key)
      }
      const tail: Promise<unknown> = result.then(release, release)
      tails.set(key, tail)
      return result
    }
  }
}
