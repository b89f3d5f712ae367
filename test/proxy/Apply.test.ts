/**
 * The apply of a write the API accepted (the owner role's versioned upsert): a single
 * statement runs without a transaction block of its own, so a failing one must still leave
 * nothing behind, answer 58000, and leave the owner's pooled connections usable.
 */
import pg from "pg"
import { beforeAll, describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"
import { failure } from "./support/Failure.js"

const fixture = EmulatedStack.use()
const REFUSED = "refused-by-apply-test@x.co"

beforeAll(async () => {
  // The owner's table refuses one email: the API takes the write, the apply fails.
  const owner = new pg.Client({ connectionString: fixture.stack.ownerUrl })
  await owner.connect()
  await owner.query(`
    create function public.apply_test_refuse() returns trigger language plpgsql as $$
    begin
      if new.email = '${REFUSED}' then raise exception 'apply test refuses %', new.email using errcode = '23514'; end if;
      return new;
    end $$`)
  await owner.query("create trigger apply_test_refuse before insert or update on stripe.customers for each row execute function public.apply_test_refuse()")
  await owner.end()
})

describe("the apply", () => {
  it("answers 58000 when the upsert fails, keeps nothing of it, and the next writes apply", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    // More times than the owner pool has connections, so every one of them is used after a failure.
    for (let i = 0; i < 12; i++) {
      const failed = await failure(client.query("insert into stripe.customers (email, name) values ($1, $2) returning upstream_id", [REFUSED, `n${i}`]))
      expect(failed.code).toBe("58000")
      expect(failed.message).toContain("apply test refuses")
      const written = await client.query("insert into stripe.customers (email, name) values ($1, 'ok') returning upstream_id, email", [`applied${i}@x.co`])
      expect(written.rows[0].email).toBe(`applied${i}@x.co`)
    }
    const kept = await client.query("select count(*)::int as refused from stripe.customers where email = $1", [REFUSED])
    expect(kept.rows[0].refused).toBe(0)
    const applied = await client.query("select count(*)::int as n from stripe.customers where email like 'applied%@x.co'")
    expect(applied.rows[0].n).toBe(12)
    // The API took every refused write: the DETAIL named them, and they arrive with the next sync.
    const inApi = await fixture.api.customers.list({ email: REFUSED, limit: 100 })
    expect(inApi.data.length).toBe(12)
  })
})
