import { provision } from "./components/provision.js"
import { up } from "./Stack.js"

await up([provision])
