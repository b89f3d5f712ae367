import { Main } from "@tributary/core"
import { Effect, Layer } from "effect"
import * as Proxy from "./Proxy.js"
import * as Workers from "./Workers.js"

const proxy = Layer.launch(Proxy.layerConfig)

Workers.run(Workers.countOrExit(Proxy.config, Proxy.usable), () => Main.run(Effect.ensuring(proxy, Effect.sync(Workers.leave))))
