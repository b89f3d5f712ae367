/**
 * The BackendKeyData a node-pg client got at login (`processID`, `secretKey`): node-pg keeps
 * them on the client, and its type declarations do not say so.
 */
import type pg from "pg"

export interface BackendKey {
  readonly processId: number
  readonly secret: number
}

export const of = (client: pg.Client): BackendKey => {
  const processId: unknown = Reflect.get(client, "processID")
  const secret: unknown = Reflect.get(client, "secretKey")
  if (typeof processId !== "number" || typeof secret !== "number") throw new Error("the client has no BackendKeyData (not connected?)")
  return { processId, secret }
}
