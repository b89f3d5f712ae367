/**
 * Hands a node-postgres client's connection to a test for one exchange: `submit` gets the
 * connection (its stream and its parsed-message events) once the client's queue reaches it,
 * and the client's own result handlers are told nothing. For tests that read the proxy's
 * answers message by message (Answers) or byte by byte (RawStatement), which node-postgres
 * would fold into results, decode, or throw on.
 */
import type pg from "pg"

const ignore = () => undefined

export const takeOver = <Connection>(client: pg.Client, submit: (connection: Connection) => void): void => {
  const submittable = {
    submit,
    handleRowDescription: ignore,
    handleDataRow: ignore,
    handleCommandComplete: ignore,
    handleEmptyQuery: ignore,
    handlePortalSuspended: ignore,
    handleError: ignore,
    handleReadyForQuery: ignore,
    handleCopyInResponse: ignore,
    handleCopyData: ignore
  }
  client.query(submittable as unknown as pg.QueryConfig)
}
