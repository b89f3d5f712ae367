import { Log, Main } from "@tributary/core"
import { Effect, Layer } from "effect"
import * as Proxy from "./Proxy.js"
import * as Workers from "./Workers.js"

const proxy = Layer.launch(Proxy.main.pipe(Layer.provide(Log.layerConfig("proxy"))))

Workers.run(Workers.countOrExit(), () => Main.run(Effect.ensuring(proxy, Effect.sync(Workers.leave))))
