import { Log, Main } from "@tributary/core"
import { Layer } from "effect"
import * as Proxy from "./Proxy.js"
import * as Workers from "./Workers.js"

Workers.run(Workers.count(), () => Main.runLayer(Proxy.main.pipe(Layer.provide(Log.layerConfig("proxy")))))
