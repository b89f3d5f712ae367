import { emulator } from "./components/emulator.js"
import { provision } from "./components/provision.js"
import { proxy } from "./components/proxy.js"
import { sync } from "./components/sync.js"
import { up } from "./Stack.js"

await up([provision, emulator, sync, proxy])
