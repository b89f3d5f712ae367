/**
 * A nats-server of one test's own, in a temp directory of its own: stopping, crashing,
 * freezing or restarting it (same port, same store) disturbs no other test. The directory
 * goes with the server.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import * as NatsServer from "./NatsServer.js"

export interface PrivateNats {
  readonly server: NatsServer.NatsServer
  /** Stop the server and remove its directory. */
  readonly dispose: () => Promise<void>
}

export const start = async (prefix: string, options: Omit<NatsServer.Options, "dir"> = {}): Promise<PrivateNats> => {
  const dir = mkdtempSync(join(tmpdir(), `tributary-${prefix}-`))
  // mkdtemp makes the directory private; keep it readable like the shared servers' (Infra).
  chmodSync(dir, 0o755)
  const server = await NatsServer.start({ ...options, dir })
  return {
    server,
    dispose: async () => {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** `start` for Effect tests: the server lives as long as the scope. */
export const scoped = (prefix: string, options: Omit<NatsServer.Options, "dir"> = {}) =>
  Effect.acquireRelease(Effect.promise(() => start(prefix, options)), (nats) => Effect.promise(nats.dispose))
