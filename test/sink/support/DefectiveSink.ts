/**
 * The sink process (`services/sink/src/main.ts`) with a bug planted in its writer, through
 * the service's test seam: a batch holding a record whose JSON contains `DEFECT_MARKER`
 * throws, as a bug in the writer would. Everything else is the real service.
 */
import { Main } from "@tributary/core"
import { Service } from "@tributary/sink"
import { Effect } from "effect"

const marker = process.env.DEFECT_MARKER ?? "planted-defect"

Main.runLayer(Service.layerConfigWith({
  beforeWrite: (batch) =>
    Effect.sync(() => {
      if (batch.some((record) => Buffer.from(record.json).includes(marker))) {
        throw new TypeError(`a bug in the writer (planted for ${marker})`)
      }
    })
}))
