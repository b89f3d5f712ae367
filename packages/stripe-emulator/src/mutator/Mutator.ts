import type { Account } from "../accounts/Account.js"
import { NO_REQUEST } from "../events/EventLog.js"
import { StripeError } from "../http/StripeError.js"
import { Random } from "../internal/Random.js"
import { Writer } from "../domain/Writer.js"
import type { MutateOptions, MutationRun } from "./MutationTypes.js"
import { operations, type Operation } from "./Operations.js"

const TICK_MS = 10

/**
 * Changes an account at a steady rate in real time, for live-sync tests and lag benchmarks. Each
 * tick catches up to `rate × elapsed`, so the rate holds even when ticks are late.
 */
export class MutationRunner {
  private performed = 0
  private rejected = 0
  private errors = 0
  private lastError: string | null = null
  private readonly byOperation: Record<string, number> = {}
  private status: MutationRun["status"] = "running"
  private readonly startedMs = Date.now()
  private finishedMs: number | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly random: Random
  private readonly table: ReadonlyArray<Operation>
  private readonly totalWeight: number
  private readonly waiters: Array<() => void> = []

  constructor(
    readonly id: string,
    private readonly account: Account,
    private readonly options: MutateOptions
  ) {
    this.random = new Random(options.seed ?? account.forkRandom().nextUint32())
    this.table = operations(account)
    this.totalWeight = this.table.reduce((sum, operation) => sum + operation.weight, 0)
    this.timer = setTimeout(() => this.tick(), 0)
  }

  view(): MutationRun {
    return {
      id: this.id,
      status: this.status,
      ratePerSecond: this.options.ratePerSecond,
      planned: this.options.count ?? null,
      performed: this.performed,
      rejected: this.rejected,
      errors: this.errors,
      lastError: this.lastError,
      byOperation: { ...this.byOperation },
      startedAt: new Date(this.startedMs).toISOString(),
      finishedAt: this.finishedMs === undefined ? null : new Date(this.finishedMs).toISOString()
    }
  }

  stop(): MutationRun {
    if (this.status === "running") this.finish("stopped")
    return this.view()
  }

  /** Resolves when the run completes or is stopped. */
  finished(): Promise<MutationRun> {
    if (this.status !== "running") return Promise.resolve(this.view())
    return new Promise((resolve) => this.waiters.push(() => resolve(this.view())))
  }

  private tick(): void {
    const elapsed = Date.now() - this.startedMs
    const { count, durationMs, ratePerSecond } = this.options
    let due = Math.floor((elapsed * ratePerSecond) / 1000) + 1
    if (count !== undefined) due = Math.min(due, count)
    while (this.performed < due) this.mutateOnce()
    const done = (count !== undefined && this.performed >= count) || (durationMs !== undefined && elapsed >= durationMs)
    if (done) this.finish("completed")
    else this.timer = setTimeout(() => this.tick(), TICK_MS)
  }

  private mutateOnce(): void {
    const operation = this.choose()
    this.performed++
    this.byOperation[operation.name] = (this.byOperation[operation.name] ?? 0) + 1
    try {
      operation.run(new Writer(this.account, this.account.nowSeconds(), NO_REQUEST), this.random)
    } catch (error) {
      // A rejected change (declined card, object in the wrong state) is part of live traffic;
      // anything else is an emulator bug, reported in the run rather than crashing the process.
      if (error instanceof StripeError) this.rejected++
      else {
        this.errors++
        this.lastError = error instanceof Error ? (error.stack ?? error.message) : String(error)
      }
    }
  }

  private choose(): Operation {
    let roll = this.random.next() * this.totalWeight
    for (const operation of this.table) {
      roll -= operation.weight
      if (roll < 0) return operation
    }
    const last = this.table[this.table.length - 1]
    if (last === undefined) throw new Error("the mutator has no operations")
    return last
  }

  private finish(status: MutationRun["status"]): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.status = status
    this.finishedMs = Date.now()
    for (const waiter of this.waiters.splice(0)) waiter()
  }
}
