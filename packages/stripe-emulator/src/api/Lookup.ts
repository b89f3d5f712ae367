import type { Account } from "../accounts/Account.js"
import { noSuch } from "../http/StripeError.js"
import type { Position } from "../store/Entry.js"
import type { Entry } from "../store/Entry.js"
import type { ObjectsByType } from "../store/Objects.js"
import { objectName, type ObjectType } from "../store/StripeObject.js"

/** The object for a path id, or Stripe's 404 `resource_missing`. Deleted customers come back as stubs. */
export const retrieve = <K extends ObjectType>(account: Account, type: K, id: string): Entry<ObjectsByType[K]> => {
  const entry = account.store.collection(type).get(id)
  if (entry === undefined) throw noSuch(objectName(type), id, "id")
  return entry
}

/** Like `retrieve`, but a deleted object is missing too (updates of a deleted customer). */
export const retrieveLive = <K extends ObjectType>(account: Account, type: K, id: string): Entry<ObjectsByType[K]> => {
  const entry = account.store.get(type, id)
  if (entry === undefined) throw noSuch(objectName(type), id, "id")
  return entry
}

/** An object named in a parameter (`customer=cus_x`): missing is a 400 on that parameter. */
export const reference = <K extends ObjectType>(account: Account, type: K, id: string, param: string): Entry<ObjectsByType[K]> => {
  const entry = account.store.get(type, id)
  if (entry === undefined) throw noSuch(objectName(type), id, param, 400)
  return entry
}

/** Cursor positions for a collection's lists, with Stripe's error for ids it never held. */
export const cursorOf =
  (account: Account, type: ObjectType) =>
  (id: string, param: "starting_after" | "ending_before"): Position => {
    const position = account.store.collection(type).positionOf(id)
    if (position === undefined) throw noSuch(objectName(type), id, param, 400)
    return position
  }
