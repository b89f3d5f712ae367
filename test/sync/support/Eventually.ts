/** Waiting until RECORDS equals the emulator's dump, with the differences in the failure. */
import type { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import * as Compare from "./Compare.js"
import type { Harness } from "./Harness.js"

/** With `only`, the copy of those collections alone (a sync of some collections). */
export const exactCopy = async (h: Harness, sync: Ids.SyncId, timeoutMs = 60_000, only?: ReadonlyArray<string>) => {
  let last: Array<Compare.Difference> = []
  try {
    return await Fixtures.waitFor("RECORDS to equal the emulator's dump", async () => {
      const [{ byCollection }, dump] = await Promise.all([h.records(sync), Compare.expectedDump(h.admin)])
      last = Compare.differences(dump, byCollection).filter((d) => only === undefined || only.includes(d.collection))
      return last.length === 0 ? byCollection : undefined
    }, { timeoutMs, intervalMs: 500 })
  } catch (error) {
    throw new Error(`${String(error)}\n${last.length} differences, first: ${JSON.stringify(last.slice(0, 5), null, 2)}`)
  }
}
