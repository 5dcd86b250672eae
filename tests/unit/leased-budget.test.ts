/**
 * A budget shared by processes, drawn in leases (platform/leased-budget.ts):
 * two LeasedBudgets over one store stand for two processes over PostgreSQL.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { describe, expect, test } from 'vitest';
import { type BudgetStore, LeasedBudget, leaseFor } from '#server/platform/leased-budget.ts';

/** One store for every "process", counting its writes. */
function sharedStore(points: number) {
  const memory = new RateLimiterMemory({ points, duration: 60 });
  const store = {
    writes: 0,
    consume(key: string, n = 1) {
      store.writes++;
      return memory.consume(key, n);
    },
  };
  return store;
}

async function spend(budget: BudgetStore, key: string): Promise<boolean> {
  try {
    await budget.consume(key);
    return true;
  } catch (refused) {
    if (refused instanceof RateLimiterRes) return false;
    throw refused;
  }
}

describe('a leased budget', () => {
  test('two processes spending in turn are allowed exactly the budget, with one store write per lease', async () => {
    const store = sharedStore(100);
    const a = new LeasedBudget(store, 100, 10);
    const b = new LeasedBudget(store, 100, 10);
    let allowed = 0;
    for (let i = 0; i < 300; i++) if (await spend(i % 3 === 0 ? a : b, 'addr')) allowed++;
    expect(allowed).toBe(100);
    // 10 leases filled the budget; every refusal afterwards asks the store again (it may have been reset).
    expect(store.writes).toBeLessThan(10 + 300 - 100 + 1);
  });

  test('a lease that overshoots keeps only the part that fitted: never more than the budget', async () => {
    const store = sharedStore(25);
    const a = new LeasedBudget(store, 25, 10);
    const b = new LeasedBudget(store, 25, 10);
    const results = await Promise.all(Array.from({ length: 80 }, (_, i) => spend(i % 2 ? a : b, 'addr')));
    expect(results.filter(Boolean).length).toBe(25);
  });

  test('concurrent requests of one process share one lease instead of each writing', async () => {
    const store = sharedStore(1_000);
    const a = new LeasedBudget(store, 1_000, 20);
    const results = await Promise.all(Array.from({ length: 100 }, () => spend(a, 'addr')));
    expect(results.every(Boolean)).toBe(true);
    expect(store.writes).toBe(5);
  });

  test('keys are separate, and a refusal says when to come back', async () => {
    const store = sharedStore(3);
    const a = new LeasedBudget(store, 3, 1);
    for (let i = 0; i < 3; i++) expect(await spend(a, 'one')).toBe(true);
    expect(await spend(a, 'two')).toBe(true);
    const refusal = await a.consume('one').catch((r: unknown) => r);
    expect(refusal).toBeInstanceOf(RateLimiterRes);
    expect((refusal as RateLimiterRes).msBeforeNext).toBeGreaterThan(0);
  });

  test('small budgets stay exact (a lease of one); large ones lease about 2%, at most 50', () => {
    expect(leaseFor(10)).toBe(1);
    expect(leaseFor(300)).toBe(6);
    expect(leaseFor(1_000_000_000)).toBe(50);
  });
});
