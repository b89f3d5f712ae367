/**
 * A CancelRequest to an upstream backend. Postgres takes it on a connection of its own,
 * answers nothing and closes it; a cancel is best effort, so a connection that fails
 * resolves too. It cancels whatever the backend runs when it arrives, or nothing.
 */
import { connect } from "node:net"
import * as Frontend from "../wire/Frontend.js"

export const cancelBackend = (host: string, port: number, processId: number, secret: number): Promise<void> =>
  new Promise((resolve) => {
    const socket = connect({ host, port })
    socket.once("connect", () => socket.end(Frontend.encodeCancel(processId, secret)))
    socket.once("close", () => resolve())
    socket.once("error", () => resolve())
  })
