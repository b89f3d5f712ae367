import type { Registry } from "../accounts/Registry.js"
import { Router } from "../http/Router.js"
import type { Handler } from "./ApiRequest.js"
import { accountRoutes } from "./accounts.js"
import { billingRoutes } from "./billing.js"
import { catalogRoutes } from "./catalog.js"
import { customerRoutes } from "./customers.js"
import { documentRoutes } from "./documents.js"
import { eventRoutes } from "./events.js"
import { paymentRoutes } from "./payments.js"
import { treasuryRoutes } from "./treasury.js"
import { walletRoutes } from "./wallet.js"

/** Every `/v1` route the emulator serves. */
export const apiRouter = (registry: Registry): Router<Handler> => {
  const router = new Router<Handler>()
  customerRoutes(router)
  catalogRoutes(router)
  billingRoutes(router)
  paymentRoutes(router)
  walletRoutes(router)
  treasuryRoutes(router)
  documentRoutes(router)
  eventRoutes(router)
  accountRoutes(router, registry)
  return router
}
