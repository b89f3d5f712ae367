import { Main } from "@tributary/core"
import { run } from "./Cli.js"

Main.run(run(process.argv))
