/**
 * A service's `/readyz` as a probe and as an operator see it: the status code and the JSON
 * body, without a token or with the metrics token (which alone gets the reasons).
 */
import type { Probes } from "@tributary/core"

export interface Readyz {
  /** 0: no answer (the service is not listening). */
  readonly status: number
  readonly body: { readonly status?: string; readonly reasons?: ReadonlyArray<Probes.Unready> }
}

export const readyz = (baseUrl: string, metricsToken?: string): Promise<Readyz> =>
  fetch(`${baseUrl}/readyz`, metricsToken === undefined ? {} : { headers: { authorization: `Bearer ${metricsToken}` } })
    .then(async (response) => ({ status: response.status, body: await response.json() as Readyz["body"] }), () => ({ status: 0, body: {} }))

/** Whether the answer is a 503 giving `component` as a reason that matches `reason`. */
export const notReadyFor = (answer: Readyz, component: string, reason: RegExp): boolean =>
  answer.status === 503 && (answer.body.reasons ?? []).some((r) => r.component === component && reason.test(r.reason))
