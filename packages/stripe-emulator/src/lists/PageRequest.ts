import { invalidRequest } from "../http/StripeError.js"
import type { Range } from "../params/Form.js"

/** What every list endpoint shares: `limit`, one cursor, and an optional `created` range. */
export interface PageRequest {
  readonly limit: number
  readonly startingAfter: string | undefined
  readonly endingBefore: string | undefined
  readonly created: CreatedBounds | undefined
}

/** Inclusive bounds on `created`. */
export interface CreatedBounds {
  readonly from: number
  readonly to: number
}

export const DEFAULT_LIMIT = 10
export const MAX_LIMIT = 100

export const pageRequest = (params: {
  readonly limit?: number | undefined
  readonly starting_after?: string | undefined
  readonly ending_before?: string | undefined
  readonly created?: Range | undefined
}): PageRequest => {
  const limit = params.limit ?? DEFAULT_LIMIT
  if (limit < 1 || limit > MAX_LIMIT) {
    throw invalidRequest(`Invalid limit: must be between 1 and ${MAX_LIMIT}.`, { param: "limit", code: "parameter_invalid_integer" })
  }
  if (params.starting_after !== undefined && params.ending_before !== undefined) {
    throw invalidRequest("You may only specify one of these parameters: ending_before, starting_after.", {
      param: "ending_before"
    })
  }
  return {
    limit,
    startingAfter: params.starting_after,
    endingBefore: params.ending_before,
    created: params.created === undefined ? undefined : createdBounds(params.created)
  }
}

export const createdBounds = (range: Range): CreatedBounds => {
  if (typeof range === "number") return { from: range, to: range }
  let from = -Infinity
  let to = Infinity
  if (range.gte !== undefined) from = Math.max(from, range.gte)
  if (range.gt !== undefined) from = Math.max(from, range.gt + 1)
  if (range.lte !== undefined) to = Math.min(to, range.lte)
  if (range.lt !== undefined) to = Math.min(to, range.lt - 1)
  return { from, to }
}

export const withinBounds = (bounds: CreatedBounds | undefined, created: number): boolean =>
  bounds === undefined || (created >= bounds.from && created <= bounds.to)
