/**
 * The NATS connection as a scoped Layer: connected on acquire, drained on release, so
 * in-flight publishes and acks finish before a service exits.
 */
import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import type { KV } from "@nats-io/kv"
import { connect, ConnectionError, TimeoutError } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/transport-node"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { NatsError } from "./Errors.js"
import * as Namespace from "./Namespace.js"
import * as Settings from "./Settings.js"

export interface NatsClient {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly kvm: Kvm
  readonly ns: Namespace.Namespace
  /**
   * Why NATS cannot be used now, or undefined while it can. The client reconnects by itself
   * and never gives up, so the connection is not closed while the server is away: only its
   * status events say it is lost (what is published meanwhile is dropped, requests time out).
   */
  readonly unusable: () => string | undefined
  /** Resolves at once while the connection is up, else when the client reports its reconnect. */
  readonly connected: () => Promise<void>
  /** Calls `listener` each time the connection is lost, until what it returns is called. */
  readonly onLost: (listener: () => void) => () => void
}

export class Nats extends Context.Tag("@tributary/core/Nats")<Nats, NatsClient>() {}

/** The connection was lost (or stayed lost) while a request waited: its answer will not come. */
export class ConnectionLost extends Error {
  constructor(readonly timedOut: boolean) {
    super(timedOut ? `NATS connection lost and not back in time` : "NATS connection lost while waiting for the answer")
  }
}

/**
 * A stream that is not there, where it reaches the user, is nearly always one of Tributary's own
 * (a KV bucket is a stream too) in a namespace never provisioned; what expects one to be missing
 * (a consumer's dead letters) handles the code itself.
 */
const NOT_PROVISIONED_HINT = "Tributary's streams and KV buckets are not there: run `tributary provision` first, " +
  "or set TRIBUTARY_NAMESPACE to the namespace that was provisioned"

const hintFor = (cause: unknown): string | undefined =>
  cause instanceof JetStreamApiError && cause.code === JetStreamApiCodes.StreamNotFound ? NOT_PROVISIONED_HINT : undefined

/** Convert a nats.js error once, here, keyed on the JetStream error code. */
export const toNatsError = (operation: string, hint?: string) => (cause: unknown): NatsError => {
  const said = hint ?? hintFor(cause)
  return new NatsError({
    operation,
    ...(said === undefined ? {} : { hint: said }),
    ...(cause instanceof JetStreamApiError ? { code: cause.code } : {}),
    ...(cause instanceof TimeoutError || (cause instanceof Error && cause.cause instanceof TimeoutError) ||
        (cause instanceof ConnectionLost && cause.timedOut)
      ? { timedOut: true }
      : {}),
    detail: cause instanceof Error ? cause.message : String(cause)
  })
}

/**
 * Whether a KV write with an expected revision (`create`, `update`, a delete with
 * `previousSeq`) failed because the key was not at that revision: someone else wrote first.
 * JetStream says so with either of two codes.
 */
export const isWrongRevision = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)

export const tryNats = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, NatsError> =>
  Effect.tryPromise({ try: run, catch: toNatsError(operation) })

/** Options of a KV read someone waits on. */
export interface ReadOptions {
  /** How long the read may wait for NATS to answer; JetStream's default (5 s) when not given. */
  readonly timeoutMs?: number
}

/** Per client, its KV buckets with a shorter request timeout, by timeout: made once, not per read. */
const answeringWithin = new WeakMap<NatsClient, Map<number, Kvm>>()

/**
 * The client's KV buckets, with requests that time out after `options.timeoutMs` when given
 * rather than JetStream's default (5 s): for a read someone waits on, so that a server that
 * does not answer (a hung one, a connection dead without a word) is told sooner. Its failures
 * say so (`NatsError.timedOut`).
 */
export const kvmFor = (client: NatsClient, options: ReadOptions): Kvm => {
  const timeoutMs = options.timeoutMs
  if (timeoutMs === undefined) return client.kvm
  let byTimeout = answeringWithin.get(client)
  if (byTimeout === undefined) {
    byTimeout = new Map()
    answeringWithin.set(client, byTimeout)
  }
  let kvm = byTimeout.get(timeoutMs)
  if (kvm === undefined) {
    kvm = new Kvm(jetstream(client.nc, { ...client.js.getOptions(), timeout: timeoutMs }))
    byTimeout.set(timeoutMs, kvm)
  }
  return kvm
}

/** One of the namespace's KV buckets, its requests timing out as `options` say. */
export const bucket = (name: keyof Namespace.Namespace["buckets"], options: ReadOptions = {}): Effect.Effect<KV, NatsError, Nats> =>
  Effect.flatMap(Nats, (client) => {
    const bucketName = client.ns.buckets[name]
    return tryNats(`open bucket ${bucketName}`, () => kvmFor(client, options).open(bucketName))
  })

/**
 * Write `value` to `key` if the key is at revision `expected` (undefined or 0: if it does not
 * exist yet): the new revision, or undefined when someone else wrote the key first.
 */
export const writeAtRevision = (kv: KV, key: string, value: string, expected: number | undefined): Promise<number | undefined> =>
  (expected === undefined || expected === 0 ? kv.create(key, value) : kv.update(key, value, expected)).catch((error: unknown) => {
    // `create` on a key that exists fails with a wrong-last-sequence too.
    if (isWrongRevision(error)) return undefined
    throw error
  })

const NO_SERVER_HINT = "is nats-server running there? Set TRIBUTARY_NATS_URL to the server's URL " +
  "(for the stack of `npm run up`, run `. .tributary/env` in the checkout first)"

/** What a service says while its NATS connection is lost and the client reconnects. */
export const CONNECTION_LOST = "NATS connection lost; reconnecting"

/** JetStream's request timeout, which the KV and JetStream clients here keep. */
export const REQUEST_TIMEOUT_MS = 5_000

/**
 * Resolves once the connection is up: at once while it is, else at the client's reconnect, failing
 * with `ConnectionLost` (timed out) when that does not come within `withinMs`.
 */
export const reconnected = async (client: NatsClient, withinMs = REQUEST_TIMEOUT_MS): Promise<void> => {
  if (client.unusable() === undefined) return
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      client.connected(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ConnectionLost(true)), withinMs)
      })
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Make a request (KV, JetStream) when the connection can carry it. nats.js empties its outbound
 * buffer at each dial, so what is sent while the connection is lost never reaches the server and
 * its request would wait out the whole timeout, seconds after the server is back. Here a request
 * made meanwhile waits for the reconnect (at most `withinMs`) and is sent then; one waiting for its
 * answer when the connection goes fails at once (the answer is lost with the connection), for the
 * caller to try again. Its failures say which (`ConnectionLost`).
 */
export const whenConnected = async <A>(client: NatsClient, run: () => Promise<A>, withinMs = REQUEST_TIMEOUT_MS): Promise<A> => {
  await reconnected(client, withinMs)
  let stopListening: (() => void) | undefined
  try {
    return await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        stopListening = client.onLost(() => reject(new ConnectionLost(false)))
      })
    ])
  } finally {
    stopListening?.()
  }
}

/** `whenConnected` as an Effect, its failures converted once, like `tryNats`. */
export const request = <A>(client: NatsClient, operation: string, run: () => Promise<A>, withinMs = REQUEST_TIMEOUT_MS): Effect.Effect<A, NatsError> =>
  tryNats(operation, () => whenConnected(client, run, withinMs))

/**
 * Whether the connection is up, as the client's status events say (`lose` at a disconnect,
 * `reconnect` at a reconnect), for what waits on it: `connected` and `onLost` of `NatsClient`.
 */
export class ConnectionState {
  private isLost = false
  /** Resolved while connected; from a loss, pending until the reconnect. */
  private back: Promise<void> = Promise.resolve()
  private resolveBack = () => {}
  private readonly lostListeners = new Set<() => void>()

  get lost(): boolean {
    return this.isLost
  }

  lose(): void {
    if (this.isLost) return
    this.isLost = true
    this.back = new Promise((resolve) => {
      this.resolveBack = resolve
    })
    // A copy: a listener may stop listening as it hears the loss.
    for (const listener of [...this.lostListeners]) listener()
  }

  reconnect(): void {
    if (!this.isLost) return
    this.isLost = false
    this.resolveBack()
  }

  readonly connected = (): Promise<void> => this.back

  readonly onLost = (listener: () => void): (() => void) => {
    this.lostListeners.add(listener)
    return () => void this.lostListeners.delete(listener)
  }
}

/** How long a service's first connect may take: nats.js's default. */
export const CONNECT_TIMEOUT_MS = 20_000

/** Why the first connect failed, and what to do, when the failure says (no server; no answer). */
const connectHint = (cause: unknown, timeoutMs: number): string | undefined => {
  if (cause instanceof ConnectionError) return NO_SERVER_HINT
  if (cause instanceof TimeoutError) {
    return `no NATS server answered there within ${timeoutMs / 1000} s: something listens but does not speak NATS ` +
      "(another service's port?), or the server is overloaded. Set TRIBUTARY_NATS_URL to nats-server's client port (4222 by default)"
  }
  return undefined
}

export interface ConnectOptions {
  /** How long the first connect may take (a dial, the server's INFO, the first PONG); `CONNECT_TIMEOUT_MS` when not given. */
  readonly connectTimeoutMs?: number
}

export const make = (settings: Settings.NatsSettings, name = "tributary", options: ConnectOptions = {}) =>
  Effect.gen(function*() {
    const timeout = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS
    const nc = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          connect({
            servers: [...Settings.serverList(settings.url)],
            name,
            timeout,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 250,
            ...Option.match(settings.user, { onNone: () => ({}), onSome: (user) => ({ user }) }),
            ...Option.match(settings.password, { onNone: () => ({}), onSome: (p) => ({ pass: Redacted.value(p) }) }),
            ...Option.match(settings.token, { onNone: () => ({}), onSome: (t) => ({ token: Redacted.value(t) }) })
          }),
        // No server there: most often a stack on another port, or none started yet.
        catch: (cause) => toNatsError(`connect to ${settings.url}`, connectHint(cause, timeout))(cause)
      }),
      (nc) => Effect.promise(() => nc.drain().catch(() => nc.close()))
    )
    const jsm = yield* tryNats("open JetStream", () => jetstreamManager(nc))
    const js = jetstream(nc)
    const state = new ConnectionState()
    yield* Effect.forkScoped(Effect.promise(async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") state.lose()
        else if (status.type === "reconnect") state.reconnect()
      }
    }))
    const unusable = () => (nc.isClosed() ? "NATS connection closed" : state.lost ? CONNECTION_LOST : undefined)
    const { connected, onLost } = state
    return { nc, js, jsm, kvm: new Kvm(js), ns: Namespace.make(settings.namespace), unusable, connected, onLost } satisfies NatsClient
  })

export const layer = (settings: Settings.NatsSettings, name?: string, options?: ConnectOptions) =>
  Layer.scoped(Nats, make(settings, name, options))

export const layerConfig = (name?: string, options?: ConnectOptions) =>
  Layer.scoped(Nats, Effect.flatMap(Settings.nats, (settings) => make(settings, name, options)))
