/**
 * Price per vial by use category: a batch's own price, else its line's. No
 * payment processing. A new price is a new row (the newest wins), so earlier
 * prices stay on record; a request keeps the price it was submitted with.
 */
import { and, desc, eq, or } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { prices, type UseCategory } from '#db/schema/requests.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { fail, ok, transact, type Caller, type Result } from './core.ts';

export interface Price {
  amount: string;
  currency: string;
}

export async function priceFor(
  db: Executor,
  lineId: number,
  batchId: number | null,
  use: UseCategory,
): Promise<Price | undefined> {
  const rows = await db
    .select()
    .from(prices)
    .where(
      and(
        eq(prices.useCategory, use),
        batchId ? or(eq(prices.lineId, lineId), eq(prices.batchId, batchId)) : eq(prices.lineId, lineId),
      ),
    )
    .orderBy(desc(prices.id));
  const chosen = rows.find((r) => r.batchId !== null) ?? rows[0];
  return chosen ? { amount: chosen.amount, currency: chosen.currency } : undefined;
}

/** The current price per use category of a line (newest row per category). */
export async function pricesOfLine(db: Executor, lineId: number) {
  const rows = await db.select().from(prices).where(eq(prices.lineId, lineId)).orderBy(desc(prices.id));
  return rows.filter((r, i) => rows.findIndex((x) => x.useCategory === r.useCategory) === i);
}

export async function pricesOfBatch(db: Executor, batchId: number) {
  const rows = await db.select().from(prices).where(eq(prices.batchId, batchId)).orderBy(desc(prices.id));
  return rows.filter((r, i) => rows.findIndex((x) => x.useCategory === r.useCategory) === i);
}

/** Sets the price per vial of a batch, or of its whole line, for one use category (audited; the old price stays on record). */
export async function setPrice(
  db: Database,
  caller: Caller,
  input: {
    lineId: number;
    batchId: number;
    wholeLine: boolean;
    useCategory: UseCategory;
    amount: string;
    currency: string;
  },
): Promise<Result<void>> {
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(input.amount))
    return fail({ code: 'invalid', field: 'amount', message: 'a price like 1200 or 1200.50' });
  if (!/^[A-Z]{3}$/.test(input.currency))
    return fail({ code: 'invalid', field: 'currency', message: 'a currency code like CNY' });
  return transact(db, async (tx) => {
    const target = input.wholeLine ? { lineId: input.lineId, batchId: null } : { lineId: null, batchId: input.batchId };
    const [row] = await tx
      .insert(prices)
      .values({ ...target, useCategory: input.useCategory, amount: input.amount, currency: input.currency })
      .returning();
    await recordAudit(tx, {
      actor: caller.id,
      action: 'price.set',
      entityType: input.wholeLine ? 'line' : 'batch',
      entityId: input.wholeLine ? input.lineId : input.batchId,
      after: { price: row!.id, useCategory: input.useCategory, amount: input.amount, currency: input.currency },
    });
    return ok(undefined);
  });
}
