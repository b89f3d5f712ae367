/**
 * What the relay asks the client's own session before it runs a write elsewhere, and what
 * it makes of the answers: which tables a statement's unqualified names are (the
 * session's search_path, then the catalog), and the settings the write follows. The
 * questions are OwnRequests, asked through `ask` once everything before them is answered,
 * each a round trip the write waits for: in a simple query a write to unqualified names asks
 * once, the search_path among the write's settings.
 */
import * as OwnRequests from "./OwnRequests.js"
import type { ReportedParameters } from "./ReportedParameters.js"
import type { Unresolved, Verdict, Writes } from "./Writes.js"

/** Runs an own request; undefined when the session failed it (its error was relayed). */
export type Ask = (request: OwnRequests.OwnRequest) => Promise<ReadonlyArray<OwnRequests.OwnAnswer> | undefined>

const SEARCH_PATH = ["search_path"]

/** The questions, encoded once: one is asked before every write. By protocol: simple query, or amid a batch. */
const question = (names: ReadonlyArray<string>) => ({ simple: OwnRequests.showSettings(names, true), extended: OwnRequests.showSettings(names, false) })
const SHOW_SEARCH_PATH = question(SEARCH_PATH)
const SHOW_WRITE_SETTINGS = question(OwnRequests.ASKED_BEFORE_A_WRITE)

export const PASS = { kind: "pass" } as const

export interface Resolved<W> {
  readonly verdict: Verdict<W>
  /**
   * In a simple query, the write settings, asked with the search_path (which is one of
   * them): the statement runs next, with nothing sent upstream in between, so `writeSettings`
   * takes these instead of asking again. Absent amid a batch, where the names are resolved
   * at Parse and the settings asked at Execute, after whatever the batch runs in between.
   */
  readonly asked?: ReadonlyMap<string, string>
  /** The search_path the names were resolved with; absent when the session closed meanwhile. */
  readonly searchPath?: string
}

/** The verdict once the names are known. Undefined when the session failed the question. */
export const resolveNames = async <W>(
  ask: Ask,
  writes: Writes<W>,
  verdict: Unresolved<W>,
  simple: boolean
): Promise<Resolved<W> | undefined> => {
  const names = simple ? OwnRequests.ASKED_BEFORE_A_WRITE : SEARCH_PATH
  const answers = await ask(simple ? SHOW_WRITE_SETTINGS.simple : SHOW_SEARCH_PATH.extended)
  if (answers === undefined) return undefined
  const asked = OwnRequests.settingsOf(names, answers)
  const searchPath = asked.get("search_path")
  // Only when the session closed meanwhile.
  if (searchPath === undefined) return { verdict: PASS }
  const decided = await decide(writes, verdict, searchPath)
  return simple ? { verdict: decided, asked, searchPath } : { verdict: decided, searchPath }
}

const decide = async <W>(writes: Writes<W>, verdict: Unresolved<W>, searchPath: string): Promise<Verdict<W>> => {
  const resolution = await writes.resolveNames(searchPath, verdict.names)
  return resolution.ok ? verdict.resolved(resolution.schemas) : { kind: "refuse", report: resolution.report }
}

/** The search_path at a Bind, and the statement's new verdict when it changed. */
export interface ResolvedAgain<W> {
  readonly searchPath: string
  readonly verdict?: Verdict<W>
}

/**
 * A prepared statement's names at a Bind, after something ran since they were resolved:
 * Postgres analyses the statement again when the search_path has changed, so they are
 * resolved again then; with the same search_path the verdict stands (undefined), as
 * Postgres keeps its plan. Asked amid a batch; undefined `searchPath` when the session
 * failed the question.
 */
export const resolveAgain = async <W>(
  ask: Ask,
  writes: Writes<W>,
  verdict: Unresolved<W>,
  resolvedWith: string
): Promise<ResolvedAgain<W> | undefined> => {
  const answers = await ask(SHOW_SEARCH_PATH.extended)
  if (answers === undefined) return undefined
  const searchPath = OwnRequests.settingsOf(SEARCH_PATH, answers).get("search_path")
  if (searchPath === undefined || searchPath === resolvedWith) return { searchPath: resolvedWith }
  return { searchPath, verdict: await decide(writes, verdict, searchPath) }
}

/**
 * The session's settings for a write: as upstream last reported them, overlaid with
 * those that change which names the write's expressions find and how values are read and
 * shown, and its statement_timeout, asked. Undefined when the session failed the question.
 */
export const writeSettings = async (
  ask: Ask,
  reported: ReportedParameters,
  simple: boolean,
  asked?: ReadonlyMap<string, string>
): Promise<ReadonlyMap<string, string> | undefined> => {
  const settings = reported.snapshot()
  let answered = asked
  if (answered === undefined) {
    const answers = await ask(simple ? SHOW_WRITE_SETTINGS.simple : SHOW_WRITE_SETTINGS.extended)
    if (answers === undefined) return undefined
    answered = OwnRequests.settingsOf(OwnRequests.ASKED_BEFORE_A_WRITE, answers)
  }
  for (const [name, value] of answered) settings.set(name, value)
  return settings
}
