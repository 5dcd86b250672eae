/**
 * What the request chain does to the bank's vial records (kept apart from
 * picking.ts, which reads reservations, so that reservations.ts can call it
 * without an import cycle): vials leave their positions when the outbound is
 * signed, and go back to the shelf's pool when a reservation is released.
 */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { vials } from '#db/schema/bank.ts';

/** After the outbound: the picked vials leave the bank (state shipped, no position). */
export async function markPickedVialsShipped(tx: Executor, requestId: number): Promise<number> {
  const r = await tx
    .update(vials)
    .set({ state: 'shipped', boxId: null, row: null, col: null, updatedAt: new Date() })
    .where(and(eq(vials.requestId, requestId), eq(vials.state, 'in_bank')))
    .returning({ id: vials.id });
  return r.length;
}

/** Vials picked for a request whose reservation was released go back to the shelf's pool (position unchanged). */
export async function unpickVials(tx: Executor, requestId: number): Promise<number> {
  const r = await tx
    .update(vials)
    .set({ requestId: null, updatedAt: new Date() })
    .where(and(eq(vials.requestId, requestId), eq(vials.state, 'in_bank')))
    .returning({ id: vials.id });
  return r.length;
}
