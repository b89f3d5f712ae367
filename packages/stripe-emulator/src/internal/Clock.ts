/**
 * The emulator's notion of "now": wall-clock time plus an offset that tests can advance.
 * Stripe timestamps are whole seconds; ties within a second are normal and tests must cope.
 */
export class Clock {
  private offsetSeconds = 0

  nowSeconds(): number {
    return Math.floor(Date.now() / 1000) + this.offsetSeconds
  }

  advance(seconds: number): number {
    this.offsetSeconds += Math.floor(seconds)
    return this.nowSeconds()
  }

  get offset(): number {
    return this.offsetSeconds
  }
}

export const DAY_SECONDS = 86_400
