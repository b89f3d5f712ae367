import { randomBytes } from "node:crypto"

/**
 * A small seeded PRNG (sfc32). Seeds, ids and fault decisions all draw from one of these,
 * so the same seed (and salt) and the same sequence of calls give the same account, byte for byte.
 */
const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/**
 * Three words mixed into the generator's state besides the seed. Generators of the same seed
 * with different salts are unrelated streams; no salt gives the plain seeded generator.
 */
export type Salt = readonly [number, number, number]

export const NO_SALT: Salt = [0, 0, 0]

/** 96 bits from the operating system: a stream that no other process draws. */
export const processSalt = (): Salt => {
  const bytes = randomBytes(12)
  return [bytes.readUInt32LE(0), bytes.readUInt32LE(4), bytes.readUInt32LE(8)]
}

export class Random {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number, salt: Salt = NO_SALT) {
    this.a = (0x9e3779b9 ^ salt[0]) >>> 0
    this.b = (0x243f6a88 ^ salt[1]) >>> 0
    this.c = (0xb7e15162 ^ salt[2]) >>> 0
    this.d = seed >>> 0
    // Mix the seed in before the first draw: sfc32's first outputs are weak otherwise.
    for (let i = 0; i < 15; i++) this.nextUint32()
  }

  nextUint32(): number {
    this.a >>>= 0
    this.b >>>= 0
    this.c >>>= 0
    this.d >>>= 0
    let t = (this.a + this.b) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.d = (this.d + 1) | 0
    t = (t + this.d) | 0
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296
  }

  /** An integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound)
  }

  /** An integer in [min, max], both inclusive. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: ReadonlyArray<T>): T {
    const item = items[this.int(items.length)]
    if (item === undefined) throw new Error("Random.pick on an empty array")
    return item
  }

  alphanumeric(length: number): string {
    let out = ""
    // Five base-62 digits per 32-bit draw (62^5 < 2^32); ids are hot during seeding.
    while (out.length < length) {
      let bits = this.nextUint32()
      for (let digit = 0; digit < 5 && out.length < length; digit++) {
        out += ALPHANUMERIC[bits % 62]
        bits = Math.floor(bits / 62)
      }
    }
    return out
  }

  /** A child generator, so that one stream (say, fault decisions) does not shift another (ids). */
  fork(): Random {
    return new Random(this.nextUint32())
  }
}
