/**
 * A shared budget drawn in leases. The budget lives in PostgreSQL so every
 * process and host spends the same points; writing the counter on every API
 * call made one busy address (a harvester, a proxy, the load test) a hot row
 * that every request of every process waited on. Here a process takes up to
 * `lease` points of a key in one write and spends them locally until they run
 * out or the window ends.
 *
 * Never more than the budget: a process spends only points it took, and when
 * a lease overshoots the budget it keeps only the part that fitted (the
 * counter increments atomically, so each taker knows its own place). The price
 * is the other way: points leased by one process and not spent before the
 * window ends are lost, so a key may be refused up to (processes − 1) ×
 * (lease − 1) points early. `leaseFor` keeps that to about 2% of the budget.
 */
import { RateLimiterRes } from 'rate-limiter-flexible';

/** What a budget store offers: rate-limiter-flexible's `consume(key, points)`. */
export interface BudgetStore {
  consume(key: string, points?: number): Promise<RateLimiterRes>;
}

interface Lease {
  left: number;
  /** When the store's window for this key ends (ms since the epoch). */
  until: number;
}

/** About 2% of the budget per lease, between 1 (small budgets stay exact) and 50. */
export function leaseFor(points: number): number {
  return Math.max(1, Math.min(50, Math.floor(points / 50)));
}

/** How many keys a process remembers before it forgets the expired ones. */
const SWEEP_ABOVE = 10_000;

export class LeasedBudget implements BudgetStore {
  private readonly leases = new Map<string, Lease>();
  private readonly taking = new Map<string, Promise<void>>();

  constructor(
    private readonly store: BudgetStore,
    private readonly points: number,
    private readonly lease: number = leaseFor(points),
  ) {}

  /** Spends one point of `key`; rejects with the store's RateLimiterRes when the budget is spent. */
  async consume(key: string): Promise<RateLimiterRes> {
    for (;;) {
      const held = this.leases.get(key);
      if (held && held.left > 0 && held.until > Date.now()) {
        held.left--;
        return new RateLimiterRes(this.points, held.until - Date.now(), 0, false);
      }
      // One lease taken at a time per key: concurrent requests wait for it, then spend from it.
      const inFlight = this.taking.get(key);
      if (inFlight) {
        await inFlight;
        continue;
      }
      const take = this.takeLease(key).finally(() => this.taking.delete(key));
      this.taking.set(key, take);
      await take;
    }
  }

  private async takeLease(key: string): Promise<void> {
    if (this.leases.size > SWEEP_ABOVE) this.sweep();
    const now = Date.now();
    let granted: number;
    let res: RateLimiterRes;
    try {
      res = await this.store.consume(key, this.lease);
      granted = this.lease;
    } catch (refused) {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      // The counter now includes this whole lease: the part below the budget was ours.
      granted = Math.max(0, Math.min(this.lease, this.points - (refused.consumedPoints - this.lease)));
      if (granted === 0) {
        this.leases.delete(key);
        throw refused;
      }
      res = refused;
    }
    this.leases.set(key, { left: granted, until: now + res.msBeforeNext });
  }

  private sweep() {
    const now = Date.now();
    for (const [key, lease] of this.leases) if (lease.until <= now || lease.left === 0) this.leases.delete(key);
  }
}
