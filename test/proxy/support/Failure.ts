/** The Postgres error a statement fails with; a statement that succeeds fails the test. */
import type pg from "pg"

export const failure = async (promise: Promise<unknown>): Promise<pg.DatabaseError> => {
  try {
    await promise
  } catch (error) {
    return error as pg.DatabaseError
  }
  throw new Error("expected the statement to fail")
}
