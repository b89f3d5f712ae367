/**
 * The benchmark's records as JSON, end to end in one buffer with their end offsets: two
 * objects for the garbage collector, however many records. Each measurement makes the form
 * it needs (texts or byte views) just before its clock starts, and drops it after.
 */
export interface Corpus {
  readonly bytes: Buffer
  /** `ends[i]` is where record `i` ends in `bytes`; it starts where record `i - 1` ends. */
  readonly ends: Uint32Array
}

export const make = (count: number, jsonOf: (i: number) => string): Corpus => {
  const texts = Array.from({ length: count }, (_, i) => jsonOf(i))
  const ends = new Uint32Array(count)
  let end = 0
  texts.forEach((text, i) => {
    end += Buffer.byteLength(text)
    ends[i] = end
  })
  return { bytes: Buffer.from(texts.join("")), ends }
}

const startOf = (corpus: Corpus, i: number): number => i === 0 ? 0 : corpus.ends[i - 1]!

/** Record `i`'s UTF-8 bytes: a view, not a copy. */
export const bytesAt = (corpus: Corpus, i: number): Uint8Array => corpus.bytes.subarray(startOf(corpus, i), corpus.ends[i]!)

export const bytes = (corpus: Corpus): ReadonlyArray<Uint8Array> =>
  Array.from(corpus.ends, (_, i) => bytesAt(corpus, i))

export const texts = (corpus: Corpus): ReadonlyArray<string> =>
  Array.from(corpus.ends, (end, i) => corpus.bytes.toString("utf8", startOf(corpus, i), end))
