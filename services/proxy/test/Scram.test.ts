import { ProxyCredentials } from "@tributary/core"
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { ClientExchange, ServerExchange } from "../src/auth/Scram.js"

const exchange = (password: string, stored: string) => {
  const secret = Option.getOrThrow(ProxyCredentials.decodeVerifier(ProxyCredentials.encodeVerifier(ProxyCredentials.scramSecret(stored))))
  const server = new ServerExchange(secret)
  const client = new ClientExchange(password)
  const serverFirst = server.first(client.first())
  const serverFinal = server.final(client.final(serverFirst))
  return { serverFinal, verified: serverFinal !== undefined && client.verify(serverFinal) }
}

describe("SCRAM-SHA-256", () => {
  it("accepts the right password, and each side proves itself to the other", () => {
    expect(exchange("s3cret", "s3cret").verified).toBe(true)
  })

  it("refuses a wrong password", () => {
    expect(exchange("wrong", "s3cret").serverFinal).toBeUndefined()
  })

  it("stores Postgres' verifier format, never the password", () => {
    const verifier = ProxyCredentials.encodeVerifier(ProxyCredentials.scramSecret("s3cret"))
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/)
    expect(verifier).not.toContain("s3cret")
  })
})
