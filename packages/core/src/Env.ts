/**
 * Where configuration comes from: environment variables named `TRIBUTARY_<NAME>` (the
 * names in `Settings` carry the prefix, so an error names the exact variable to fix).
 */
import { ConfigProvider, Layer } from "effect"

/** The process environment, or a given map of variables (tests). */
export const provider = (env?: Record<string, string | undefined>): ConfigProvider.ConfigProvider =>
  env === undefined
    ? ConfigProvider.fromEnv()
    : ConfigProvider.fromMap(
      new Map(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
    )

export const layer = (env?: Record<string, string | undefined>) => Layer.setConfigProvider(provider(env))
