/** The consume gateway process: configuration from `TRIBUTARY_*`, see docs/configuration.md. */
import { Main } from "@tributary/core"
import * as Gateway from "./Gateway.js"

Main.runLayer(Gateway.layerConfig)
