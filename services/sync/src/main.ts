import { Main } from "@tributary/core"
import * as Service from "./Service.js"

Main.runLayer(Service.layer)
