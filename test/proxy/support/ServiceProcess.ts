/** The proxy service run as a process of its own by a test. */
import type { ChildProcess } from "node:child_process"

/** SIGTERM, and wait for it to exit (nothing to do if it never started or already exited). */
export const stop = async (service: ChildProcess | undefined): Promise<void> => {
  if (service === undefined || service.exitCode !== null) return
  const exited = new Promise((resolve) => service.once("exit", resolve))
  service.kill("SIGTERM")
  await exited
}
