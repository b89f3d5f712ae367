/** Calls to the emulator's `/v1` API, as a Stripe user would make them (form-encoded, with the key). */
import type { Harness } from "./Harness.js"

export const call = (h: Harness, method: string, path: string, body?: string): Promise<Record<string, unknown>> =>
  fetch(`${h.emulator.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${h.apiKey}`, "Content-Type": "application/x-www-form-urlencoded" },
    ...(body === undefined ? {} : { body })
  }).then(async (response) => {
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response.json() as Promise<Record<string, unknown>>
  })
