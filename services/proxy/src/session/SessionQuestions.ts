/**
 * What the relay asks the client's own session before it runs a write elsewhere, and what
 * it makes of the answers: which tables a statement's unqualified names are (the
 * session's search_path, then the catalog), and the settings the write follows. The
 * questions are OwnRequests, asked through `ask` once everything before them is answered.
 */
import * as OwnRequests from "./OwnRequests.js"
import type { ReportedParameters } from "./ReportedParameters.js"
import type { Unresolved, Verdict, Writes } from "./Writes.js"

/** Runs an own request; undefined when the session failed it (its error was relayed). */
export type Ask = (request: OwnRequests.OwnRequest) => Promise<ReadonlyArray<OwnRequests.OwnAnswer> | undefined>

const SEARCH_PATH = ["search_path"]

export const PASS = { kind: "pass" } as const

/** The verdict once the names are known. Undefined when the session failed the question. */
export const resolveNames = async <W>(
  ask: Ask,
  writes: Writes<W>,
  verdict: Unresolved<W>,
  simple: boolean
): Promise<Verdict<W> | undefined> => {
  const answers = await ask(OwnRequests.showSettings(SEARCH_PATH, simple))
  if (answers === undefined) return undefined
  const searchPath = OwnRequests.settingsOf(SEARCH_PATH, answers).get("search_path")
  // Only when the session closed meanwhile.
  if (searchPath === undefined) return PASS
  const resolution = await writes.resolveNames(searchPath, verdict.names)
  return resolution.ok ? verdict.resolved(resolution.schemas) : { kind: "refuse", report: resolution.report }
}

/**
 * The session's settings for a write: as upstream last reported them, overlaid with
 * those that change which names the write's expressions find and how values are read and
 * shown, asked. Undefined when the session failed the question.
 */
export const writeSettings = async (
  ask: Ask,
  reported: ReportedParameters,
  simple: boolean
): Promise<ReadonlyMap<string, string> | undefined> => {
  const settings = reported.snapshot()
  const names = OwnRequests.WRITE_SETTINGS
  const answers = await ask(OwnRequests.showSettings(names, simple))
  if (answers === undefined) return undefined
  for (const [name, value] of OwnRequests.settingsOf(names, answers)) settings.set(name, value)
  return settings
}
