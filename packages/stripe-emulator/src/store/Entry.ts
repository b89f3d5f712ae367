import type { StripeObject } from "./StripeObject.js"

/**
 * One stored object and what the list path needs to serve it fast: its position key
 * (`created`, then `seq` for same-second ties) and its serialized JSON, cached until it changes.
 */
export class Entry<T extends StripeObject = StripeObject> {
  /** UTF-8 JSON of the object as a GET shows it; dropped whenever the object or a nested list changes. */
  json: Buffer | undefined = undefined
  deleted = false
  /** Events only: wall-clock ms before which the event is not listable (eventual-consistency fault). */
  visibleAtMs = 0

  constructor(
    public data: T,
    readonly created: number,
    readonly seq: number
  ) {}

  get id(): string {
    return this.data.id
  }
}

export interface Position {
  readonly created: number
  readonly seq: number
}

export const comparePositions = (a: Position, b: Position): number => a.created - b.created || a.seq - b.seq
