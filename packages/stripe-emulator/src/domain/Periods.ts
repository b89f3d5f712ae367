import { DAY_SECONDS } from "../internal/Clock.js"
import type { Recurring } from "../store/Objects.js"

/** The end of a billing period that starts at `start`, calendar-aware like Stripe's. */
export const addInterval = (start: number, recurring: Pick<Recurring, "interval" | "interval_count">): number => {
  const count = recurring.interval_count
  switch (recurring.interval) {
    case "day":
      return start + count * DAY_SECONDS
    case "week":
      return start + count * 7 * DAY_SECONDS
    case "month":
    case "year": {
      const date = new Date(start * 1000)
      const months = recurring.interval === "month" ? count : 12 * count
      const day = date.getUTCDate()
      date.setUTCDate(1)
      date.setUTCMonth(date.getUTCMonth() + months)
      const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate()
      date.setUTCDate(Math.min(day, lastDay))
      return Math.floor(date.getTime() / 1000)
    }
  }
}
