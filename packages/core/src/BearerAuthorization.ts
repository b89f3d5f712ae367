/**
 * Reading `Authorization: Bearer <token>` (RFC 6750, 2.1): the scheme `Bearer` in any case
 * (RFC 7235 makes schemes case-insensitive), then one or more spaces, then the token. One
 * reader for every service, so a header in another scheme, or a bare token, is refused as such
 * rather than read by cutting off its first seven characters.
 */
export type Read =
  | { readonly _tag: "Token"; readonly token: string }
  /** No header, or `Bearer` with nothing after it. */
  | { readonly _tag: "Missing" }
  /** A header that is not `Bearer <token>`: another scheme (`Basic ...`), or a token without one. */
  | { readonly _tag: "Malformed"; readonly problem: string }

const words = (value: string): Array<string> => value.split(/ +/)

export const read = (header: string | undefined): Read => {
  const [scheme = "", ...rest] = words((header ?? "").trim())
  const isBearer = scheme.toLowerCase() === "bearer"
  if (scheme === "" || (isBearer && rest.length === 0)) return { _tag: "Missing" }
  if (isBearer && rest.length === 1) return { _tag: "Token", token: rest[0] ?? "" }
  return {
    _tag: "Malformed",
    problem: isBearer
      ? "the Authorization header has more than a token after Bearer"
      : rest.length === 0
      ? "the Authorization header has no scheme"
      : `the Authorization header's scheme is ${JSON.stringify(scheme.slice(0, 32))}, not Bearer`
  }
}

/** The token, or `undefined` for a header that has none. */
export const tokenOf = (header: string | undefined): string | undefined => {
  const given = read(header)
  return given._tag === "Token" ? given.token : undefined
}
