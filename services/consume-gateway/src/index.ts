export * as Gateway from "./Gateway.js"
export * as GatewaySettings from "./Settings.js"
export * as AckToken from "./delivery/AckToken.js"
export * as Lifecycle from "./delivery/Lifecycle.js"
