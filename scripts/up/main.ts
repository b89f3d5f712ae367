import { emulator } from "./components/emulator.js"
import { gateway } from "./components/gateway.js"
import { provision } from "./components/provision.js"
import { proxy } from "./components/proxy.js"
import { sink } from "./components/sink.js"
import { sync } from "./components/sync.js"
import { up } from "./Stack.js"

await up([provision, sink, emulator, sync, gateway, proxy])
