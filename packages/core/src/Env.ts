/**
 * Where configuration comes from: environment variables named `TRIBUTARY_<NAME>`.
 * A missing or invalid value fails start-up with an error that names the variable.
 */
import { ConfigProvider, Layer } from "effect"

export const PREFIX = "TRIBUTARY"

export const provider = (env: Record<string, string | undefined> = process.env): ConfigProvider.ConfigProvider =>
  ConfigProvider.fromMap(
    new Map(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    { pathDelim: "_" }
  ).pipe(ConfigProvider.nested(PREFIX))

export const layer = (env?: Record<string, string | undefined>) => Layer.setConfigProvider(provider(env))
