/** Price per vial by use category: a batch's own price, else its line's. No payment processing. */
import { and, eq, or } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { prices, type UseCategory } from '#db/schema/requests.ts';

export interface Price {
  amount: string;
  currency: string;
}

export async function priceFor(db: Executor, lineId: number, batchId: number | null, use: UseCategory): Promise<Price | undefined> {
  const rows = await db
    .select()
    .from(prices)
    .where(and(eq(prices.useCategory, use), batchId ? or(eq(prices.lineId, lineId), eq(prices.batchId, batchId)) : eq(prices.lineId, lineId)));
  const chosen = rows.find((r) => r.batchId !== null) ?? rows[0];
  return chosen ? { amount: chosen.amount, currency: chosen.currency } : undefined;
}

export async function pricesOfLine(db: Executor, lineId: number) {
  return db.select().from(prices).where(eq(prices.lineId, lineId));
}
