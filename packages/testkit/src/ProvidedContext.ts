/**
 * What the global setup hands every test file (`provide`/`inject`). Declared in a file of its
 * own that both sides import, so a package type-checked alone (its tests import Fixtures,
 * never the global setup) still knows the keys.
 */
declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string
    postgresUrl: string
  }
}

export {}
