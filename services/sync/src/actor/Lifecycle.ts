/**
 * The lifecycle of a sync, written down as a transition table. The actor moves only with
 * `transition`, so a move the table does not list is a bug that shows at once.
 *
 *   pending ──start_backfill──▶ backfilling ──backfill_complete──▶ catching_up ──caught_up──▶ live
 *      │                            ▲                                  │    ▲                   │
 *      └──────resume_events─────────┼─────────────────────────────────▶│    └───fell_behind─────┘
 *                                   └──────────cursor_expired──────────┴───────────────────────┘
 *   any running phase ──auth_failed──▶ failed ──key_accepted──▶ pending (the key, tried again with back-off, works)
 *   any running phase or failed ──config_changed──▶ pending (the actor restarted with a new config)
 *   any running phase ──restart──▶ pending (NATS or the API failed outside the retried paths)
 *   any phase ──pause──▶ paused ──resume──▶ pending
 *
 * `fell_behind`: a live sync whose change feed is behind by more than the connector walks in
 * one go (Stripe: 5 minutes, after an outage) catches up again before it is live. The actor
 * of a changed config starts in the phase the previous actor reported, so the change shows; any
 * other starts `failed` when the sync log says the sync is (its key is tried before anything
 * else), `pending` otherwise.
 */
import type { SyncStatus } from "@tributary/core"

export type Phase = SyncStatus.Phase

export type Trigger =
  | "start_backfill"
  | "resume_events"
  | "backfill_complete"
  | "caught_up"
  | "fell_behind"
  | "cursor_expired"
  | "auth_failed"
  | "pause"
  | "resume"
  | "key_accepted"
  | "config_changed"
  | "restart"

export const transitions = {
  pending: {
    start_backfill: "backfilling",
    resume_events: "catching_up",
    auth_failed: "failed",
    pause: "paused"
  },
  backfilling: {
    backfill_complete: "catching_up",
    auth_failed: "failed",
    pause: "paused",
    config_changed: "pending",
    restart: "pending"
  },
  catching_up: {
    caught_up: "live",
    cursor_expired: "backfilling",
    auth_failed: "failed",
    pause: "paused",
    config_changed: "pending",
    restart: "pending"
  },
  live: {
    fell_behind: "catching_up",
    cursor_expired: "backfilling",
    auth_failed: "failed",
    pause: "paused",
    config_changed: "pending",
    restart: "pending"
  },
  paused: { resume: "pending" },
  failed: { key_accepted: "pending", config_changed: "pending", pause: "paused" }
} as const satisfies { readonly [P in Phase]: Partial<Record<Trigger, Phase>> }

export type Allowed<P extends Phase> = keyof (typeof transitions)[P]

export const next = (from: Phase, trigger: Trigger): Phase | undefined => {
  const row: Partial<Record<Trigger, Phase>> = transitions[from]
  return row[trigger]
}

export class InvalidTransition extends Error {
  constructor(readonly from: Phase, readonly trigger: Trigger) {
    super(`a sync in phase ${from} cannot take ${trigger}`)
  }
}

export const transition = (from: Phase, trigger: Trigger): Phase => {
  const to = next(from, trigger)
  if (to === undefined) throw new InvalidTransition(from, trigger)
  return to
}
