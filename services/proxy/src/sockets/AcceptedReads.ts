/**
 * A client socket the server accepted, made to read into a reused buffer (ReusedReads) as
 * the upstream socket does. Node offers `onread` only to sockets it connects, not to those
 * a server accepts, and a new buffer per read through a Readable stream was the largest
 * share of the relay's own CPU on the client side (docs/proxy.md, Benchmark). So, once the
 * handshake is over, the connection's libuv handle moves to a new `net.Socket` made with
 * `onread`, the way Node's server makes the socket of an accepted connection from its handle.
 *
 * That takes two things Node does not document: a socket's `_handle`, and the `handle`
 * option of `new Socket`. Where the socket is not as expected (TLS, whose handle is the TLS
 * layer's; bytes still queued to write; a handle of another shape), it is left as it is and
 * reads through its data events, which the relay takes as well.
 */
import { Socket } from "node:net"
import type { SocketConstructorOpts } from "node:net"
import { TLSSocket } from "node:tls"
import { ReusedReads } from "./ReusedReads.js"

/** What of a libuv stream handle this module relies on. */
interface StreamHandle {
  readonly readStart: unknown
  readonly useUserBuffer: unknown
}

/** `new Socket`'s options as Node reads them: its types know `handle` as a BoundSocket only, not an accepted connection's. */
interface AdoptingOptions extends Omit<SocketConstructorOpts, "handle"> {
  readonly handle: StreamHandle
}

/** A socket on `options.handle`, made the way Node's server makes the socket of an accepted connection. */
const socketOn = (options: AdoptingOptions): Socket => Reflect.construct(Socket, [options])

export interface Adopted {
  /** The connection's socket from now on: the one it was made from is destroyed, without closing the connection. */
  readonly socket: Socket
  readonly reads: ReusedReads
  /** What the old socket had read and not yet emitted: it comes before the first read. */
  readonly buffered: ReadonlyArray<Buffer>
}

const handleOf = (socket: Socket): StreamHandle | undefined => {
  const handle: unknown = Reflect.get(socket, "_handle")
  if (typeof handle !== "object" || handle === null) return undefined
  const stream = handle as Partial<StreamHandle>
  return typeof stream.readStart === "function" && typeof stream.useUserBuffer === "function" ? handle as StreamHandle : undefined
}

/** The socket re-made to read into a reused buffer, or undefined when it must stay as it is (see the header). */
export const adopt = (socket: Socket): Adopted | undefined => {
  if (socket instanceof TLSSocket || socket.destroyed || socket.connecting || socket.writableLength > 0) return undefined
  const handle = handleOf(socket)
  if (handle === undefined) return undefined
  // Paused since the handshake: what it has read waits in its buffer.
  const buffered: Array<Buffer> = []
  for (let chunk: Buffer | null = socket.read(); chunk !== null; chunk = socket.read()) buffered.push(chunk)
  const reads = new ReusedReads()
  Reflect.set(socket, "_handle", null)
  const adopted = socketOn({ handle, allowHalfOpen: socket.allowHalfOpen, readable: true, writable: true, onread: reads.onread })
  // The handle keeps its TCP_NODELAY; this only tells the new socket so.
  adopted.setNoDelay(true)
  // Without a handle, destroying the old socket closes nothing.
  socket.destroy()
  return { socket: adopted, reads, buffered }
}
