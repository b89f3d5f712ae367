/** Callers waiting for one thing to happen; each is woken once, when it next does. */
export class Waiters {
  private waiting: Array<() => void> = []

  get any(): boolean {
    return this.waiting.length > 0
  }

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  /** Wakes everyone waiting now; who waits again from a wake-up waits for the next time. */
  wakeAll(): void {
    const waiting = this.waiting
    this.waiting = []
    for (const resolve of waiting) resolve()
  }
}
