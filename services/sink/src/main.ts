import { Main } from "@tributary/core"
import { Service } from "./index.js"

Main.runLayer(Service.layerConfig)
