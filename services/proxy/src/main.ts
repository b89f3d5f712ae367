import { Log, Main } from "@tributary/core"
import { Layer } from "effect"
import * as Proxy from "./Proxy.js"

Main.runLayer(Proxy.main.pipe(Layer.provide(Log.layerConfig("proxy"))))
