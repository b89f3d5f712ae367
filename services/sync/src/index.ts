export * as Actor from "./actor/Actor.js"
export * as Lifecycle from "./actor/Lifecycle.js"
export * as Service from "./Service.js"
export * as Settings from "./Settings.js"
