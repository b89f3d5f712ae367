/**
 * Bind parameters as text, so the proxy can pass them on to its own queries (which
 * Postgres types from context). Text parameters are already text; binary ones are decoded
 * by the type the client declared in Parse. JDBC sends int2/int4/int8/float4/float8/bool
 * binary and declares their types; node-pg and psycopg send text.
 */
export class UnsupportedParameter extends Error {
  constructor(readonly index: number, readonly typeId: number) {
    super(`binary parameter $${index + 1} of type ${typeId} is not supported by the proxy; send it as text`)
  }
}

/** A binary parameter whose bytes are not a value of its declared type (Postgres' `22P03`). */
export class MalformedParameter extends Error {
  constructor(readonly index: number, readonly typeId: number, readonly length: number) {
    super(`binary parameter $${index + 1} of type ${typeId} has ${length} bytes, not a value of that type`)
  }
}

/** The byte length of each fixed-size binary type. */
const FIXED_LENGTH: Readonly<Record<number, number>> = { 16: 1, 21: 2, 23: 4, 26: 4, 20: 8, 700: 4, 701: 8, 2950: 16 }

const decodeBinary = (value: Buffer, typeId: number, index: number): string => {
  const expected = FIXED_LENGTH[typeId]
  if ((expected !== undefined && value.length !== expected) || (typeId === 3802 && value.length < 1)) {
    throw new MalformedParameter(index, typeId, value.length)
  }
  switch (typeId) {
    case 16:
      return value[0] === 1 ? "true" : "false"
    case 21:
      return String(value.readInt16BE(0))
    case 23:
    case 26:
      return String(value.readInt32BE(0))
    case 20:
      return value.readBigInt64BE(0).toString()
    case 700:
      return String(value.readFloatBE(0))
    case 701:
      return String(value.readDoubleBE(0))
    case 25:
    case 1042:
    case 1043:
    case 19:
    case 114:
    case 0:
      return value.toString("utf8")
    case 3802:
      // jsonb binary: a version byte, then the text.
      return value.subarray(1).toString("utf8")
    case 17:
      return `\\x${value.toString("hex")}`
    case 2950: {
      const hex = value.toString("hex")
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    }
    default:
      throw new UnsupportedParameter(index, typeId)
  }
}

export const asText = (
  parameters: ReadonlyArray<Buffer | null>,
  formats: ReadonlyArray<number>,
  types: ReadonlyArray<number>
): Array<string | null> =>
  parameters.map((value, i) => {
    if (value === null) return null
    if ((formats[i] ?? 0) === 0) return value.toString("utf8")
    return decodeBinary(value, types[i] ?? 0, i)
  })
