export * as Listener from "./Listener.js"
export * as Proxy from "./Proxy.js"
export * as ProxySettings from "./ProxySettings.js"
export * as Workers from "./Workers.js"
