import { ConfigProvider, Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Settings from "../src/Settings.js"

const natsWith = (url: string) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(Settings.nats, ConfigProvider.fromMap(new Map([["TRIBUTARY_NATS_URL", url]])))))

describe("TRIBUTARY_NATS_URL", () => {
  it("takes one URL, or several separated by commas, with or without spaces", () => {
    for (const url of ["nats://a:4222", "nats://a:4222,nats://b:4222", "nats://a:4222, tls://b:4222 ,nats://c:4222"]) {
      const settings = natsWith(url)
      expect(Either.isRight(settings), url).toBe(true)
    }
    expect(Settings.serverList("nats://a:4222, tls://b:4222 ,nats://c:4222")).toEqual(["nats://a:4222", "tls://b:4222", "nats://c:4222"])
  })

  it("refuses a list with one entry that is not a nats:// or tls:// URL, naming the variable", () => {
    for (const url of ["http://a:4222", "nats://a:4222,http://b:4222", "nats://a:4222,", "nats://a:4222,,nats://b:4222"]) {
      const settings = natsWith(url)
      expect(Either.isLeft(settings), url).toBe(true)
      if (Either.isLeft(settings)) expect(String(settings.left)).toContain("TRIBUTARY_NATS_URL")
    }
  })
})
