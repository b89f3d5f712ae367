/**
 * What a JetStream ack subject says about a delivery. The gateway otherwise treats the subject
 * as opaque; it reads the stream sequence (which message) and the delivery count (which
 * attempt). Servers before 2.10 use `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.
 * <consumer seq>.<timestamp>.<pending>`; later ones insert a domain and account hash after
 * `$JS.ACK` and may append a token.
 */
export interface Delivery {
  readonly stream: string
  readonly deliveries: number
  readonly streamSeq: number
  readonly pending: number
}

export const parse = (reply: string): Delivery | undefined => {
  const tokens = reply.split(".")
  if (tokens[0] !== "$JS" || tokens[1] !== "ACK") return undefined
  const at = tokens.length === 9 ? 2 : tokens.length >= 11 ? 4 : -1
  if (at < 0) return undefined
  const delivery = {
    stream: tokens[at] ?? "",
    deliveries: Number(tokens[at + 2]),
    streamSeq: Number(tokens[at + 3]),
    pending: Number(tokens[at + 6])
  }
  return Number.isFinite(delivery.deliveries) && Number.isFinite(delivery.streamSeq) ? delivery : undefined
}
