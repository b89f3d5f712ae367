/**
 * Logging: Effect's logger writes through pino as one JSON line per entry. Fields that
 * may hold secrets are redacted by pino itself, so a careless log call cannot leak them.
 */
import { Cause, HashMap, Layer, List, Logger, LogLevel } from "effect"
import pino from "pino"
import type * as Settings from "./Settings.js"

/** Paths pino blanks out wherever they appear in a log entry. */
export const REDACT = [
  "api_key", "*.api_key", "apiKey", "*.apiKey", "password", "*.password", "authorization", "*.authorization",
  "token", "*.token", "secret", "*.secret"
]

export const makePino = (level: Settings.LogLevel, service: string, destination?: pino.DestinationStream) =>
  pino({ level, base: { service }, redact: { paths: REDACT, censor: "<redacted>" } }, destination)

const pinoLevel = (level: LogLevel.LogLevel): pino.Level => {
  switch (level._tag) {
    case "All":
    case "Trace":
      return "trace"
    case "Debug":
      return "debug"
    case "Info":
    case "None":
      return "info"
    case "Warning":
      return "warn"
    case "Error":
      return "error"
    case "Fatal":
      return "fatal"
  }
}

const text = (message: unknown): string =>
  Array.isArray(message) ? message.map(text).join(" ") : typeof message === "string" ? message : JSON.stringify(message)

export const pinoLogger = (logger: pino.Logger) =>
  Logger.make(({ annotations, cause, date, logLevel, message, spans }) => {
    const fields: Record<string, unknown> = {}
    for (const [key, value] of HashMap.toEntries(annotations)) fields[key] = value
    for (const span of List.toArray(spans)) fields[`${span.label}_ms`] = date.getTime() - span.startTime
    if (!Cause.isEmpty(cause)) fields.err = Cause.pretty(cause, { renderErrorCause: true })
    logger[pinoLevel(logLevel)](fields, text(message))
  })

export const layer = (service: string, level: Settings.LogLevel = "info", destination?: pino.DestinationStream) => {
  const logger = makePino(level, service, destination)
  return Layer.merge(
    Logger.replace(Logger.defaultLogger, pinoLogger(logger)),
    Logger.minimumLogLevel(toEffectLevel(level))
  )
}

const toEffectLevel = (level: Settings.LogLevel): LogLevel.LogLevel => {
  switch (level) {
    case "trace":
      return LogLevel.Trace
    case "debug":
      return LogLevel.Debug
    case "info":
      return LogLevel.Info
    case "warn":
      return LogLevel.Warning
    case "error":
      return LogLevel.Error
    case "fatal":
      return LogLevel.Fatal
    case "silent":
      return LogLevel.None
  }
}
