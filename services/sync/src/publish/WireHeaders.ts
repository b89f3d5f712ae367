/**
 * Message headers for what the sync publishes, as nats.js's `MsgHdrs`, but cheap to build
 * and to encode. nats.js's own `headers()` scans and canonicalises every key again on each
 * `set`, and serialises the whole block again on `encode`; the sync builds two blocks of
 * seven to nine headers for every record of a backfill, which cost more than encoding the
 * record's body. Here a header is appended to the block as it is added, and the block is
 * encoded once.
 *
 * nats.js publishes a message's headers by calling their `encode()` (which `MsgHdrs` does not
 * declare, but its own implementation has); this class has one. The integration tests read
 * every header back from the streams, and `WireHeaders.test.ts` compares the block with
 * nats.js's own, so a nats.js that publishes headers otherwise is caught there.
 *
 * Names and values are checked as nats.js checks them: a name is printable ASCII without
 * `:`, a value has no CR or LF (it could otherwise add headers of its own) and is trimmed.
 */
import { canonicalMIMEHeaderKey, Match } from "@nats-io/transport-node"
import type { MsgHdrs } from "@nats-io/transport-node"

const HEADER_LINE = "NATS/1.0"
const INVALID_NAME = /[^!-9;-~]/
const INVALID_VALUE = /[\r\n]/

/** Names already checked: the sync uses the same dozen for every message. */
const checkedNames = new Set<string>()

const validName = (name: string): string => {
  if (checkedNames.has(name)) return name
  if (name.length === 0 || INVALID_NAME.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`)
  if (checkedNames.size < 1024) checkedNames.add(name)
  return name
}

const validValue = (value: string): string => {
  if (INVALID_VALUE.test(value)) throw new TypeError("header values cannot contain \\r or \\n")
  return value.trim()
}

const matches = (key: string, wanted: string, match: Match): boolean => {
  switch (match) {
    case Match.Exact:
      return key === wanted
    case Match.CanonicalMIME:
      return key === canonicalMIMEHeaderKey(wanted)
    default:
      return key.toLowerCase() === wanted.toLowerCase()
  }
}

export class WireHeaders implements MsgHdrs {
  readonly hasError = false
  readonly status = ""
  readonly code = 0
  readonly description = ""
  private readonly entries: Array<[string, Array<string>]> = []
  private block = HEADER_LINE
  private encoded: Uint8Array | undefined

  /** Headers in the order given. */
  static of(pairs: ReadonlyArray<readonly [string, string]>): WireHeaders {
    const headers = new WireHeaders()
    for (const [name, value] of pairs) headers.append(name, value)
    return headers
  }

  append(k: string, v: string, match: Match = Match.Exact): void {
    const name = validName(match === Match.CanonicalMIME ? canonicalMIMEHeaderKey(k) : k)
    const value = validValue(v)
    const entry = this.find(name, match)
    this.encoded = undefined
    if (entry === undefined) {
      this.entries.push([name, [value]])
      this.block += `\r\n${name}: ${value}`
    } else {
      entry[1].push(value)
      this.rebuild()
    }
  }

  set(k: string, v: string, match: Match = Match.Exact): void {
    this.delete(k, match)
    this.append(k, v, match)
  }

  delete(k: string, match: Match = Match.Exact): void {
    const before = this.entries.length
    for (let i = this.entries.length - 1; i >= 0; i--) if (matches(this.entries[i]![0], k, match)) this.entries.splice(i, 1)
    if (this.entries.length !== before) {
      this.encoded = undefined
      this.rebuild()
    }
  }

  get(k: string, match: Match = Match.Exact): string {
    return this.find(k, match)?.[1][0] ?? ""
  }

  last(k: string, match: Match = Match.Exact): string {
    const values = this.find(k, match)?.[1] ?? []
    return values[values.length - 1] ?? ""
  }

  has(k: string, match: Match = Match.Exact): boolean {
    return this.find(k, match) !== undefined
  }

  keys(): Array<string> {
    return this.entries.map(([key]) => key)
  }

  values(k: string, match: Match = Match.Exact): Array<string> {
    return this.entries.filter(([key]) => matches(key, k, match)).flatMap(([, values]) => values)
  }

  [Symbol.iterator](): IterableIterator<[string, Array<string>]> {
    return this.entries.map(([key, values]): [string, Array<string>] => [key, [...values]])[Symbol.iterator]()
  }

  toString(): string {
    return this.entries.length === 0 ? "" : `${this.block}\r\n\r\n`
  }

  /** The header block as sent on the wire (what nats.js calls to publish). */
  encode(): Uint8Array {
    this.encoded ??= Buffer.from(this.toString())
    return this.encoded
  }

  private find(k: string, match: Match): [string, Array<string>] | undefined {
    return this.entries.find(([key]) => matches(key, k, match))
  }

  private rebuild(): void {
    this.block = HEADER_LINE
    for (const [name, values] of this.entries) for (const value of values) this.block += `\r\n${name}: ${value}`
  }
}
