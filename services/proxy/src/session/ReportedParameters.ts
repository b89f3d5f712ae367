/**
 * The client's session parameters as its upstream session last reported them: Postgres
 * sends a ParameterStatus at login for each reported setting (`TimeZone`, `DateStyle`,
 * `IntervalStyle`, `client_encoding`, …) and again whenever one changes (a SET, a
 * `set_config`, a `SET LOCAL` ending with its transaction), before ReadyForQuery.
 *
 * The relay keeps the latest values so that a write the proxy runs elsewhere can read and
 * show values as the client's own session would.
 */
export class ReportedParameters {
  private readonly values = new Map<string, string>()

  /** The raw ParameterStatus messages of the login (type byte and length included). */
  static fromLogin(messages: ReadonlyArray<Buffer>): ReportedParameters {
    const reported = new ReportedParameters()
    for (const raw of messages) reported.note(raw, 5, raw.length)
    return reported
  }

  /** A ParameterStatus whose body is `buffer[start, end)`: name NUL value NUL. */
  note(buffer: Buffer, start: number, end: number): void {
    const nameEnd = buffer.indexOf(0, start)
    if (nameEnd < 0 || nameEnd >= end) return
    const valueEnd = buffer.indexOf(0, nameEnd + 1)
    if (valueEnd < 0 || valueEnd >= end) return
    this.values.set(buffer.toString("utf8", start, nameEnd), buffer.toString("utf8", nameEnd + 1, valueEnd))
  }

  /** A copy: a write reads it while the session goes on. */
  snapshot(): Map<string, string> {
    return new Map(this.values)
  }
}
