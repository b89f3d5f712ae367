/** The type bytes of the protocol v3 messages the relay tells apart (frontend and backend share letters). */
const code = (c: string) => c.charCodeAt(0)

// Frontend
export const Q = code("Q"), P = code("P"), B = code("B"), E = code("E"), D = code("D"), C = code("C"), S = code("S")
export const F = code("F"), X = code("X"), H = code("H")
// Both directions
export const COPY_DATA = code("d"), COPY_DONE = code("c")
export const COPY_FAIL = code("f")
// Backend
export const Z = code("Z"), T = code("T"), N_ODATA = code("n")
export const PARSE_COMPLETE = code("1"), BIND_COMPLETE = code("2"), CLOSE_COMPLETE = code("3"), EMPTY = code("I")
export const SUSPENDED = code("s"), ERROR = code("E"), PARAMETER_STATUS = code("S")
export const NOTICE = code("N"), NOTIFICATION = code("A"), DATA_ROW = code("D"), COPY_IN_RESPONSE = code("G")
