/**
 * The CLI's NATS connection: core's, with a first connect that gives up after a few seconds.
 * A person waits on each command, and NATS answers a dial in milliseconds when it is there;
 * a service keeps nats.js's 20 s for a server that is slow to come up.
 */
import { Nats } from "@tributary/core"
import type { Settings } from "@tributary/core"

const options: Nats.ConnectOptions = { connectTimeoutMs: 5_000 }
const name = "tributary-cli"

/** Connected with `TRIBUTARY_NATS_*`. */
export const layerConfig = Nats.layerConfig(name, options)

/** Connected with settings already read (a command that reads several settings at once). */
export const layer = (settings: Settings.NatsSettings) => Nats.layer(settings, name, options)
