/**
 * Deviations of the bank's records (a transport excursion at receipt, a test
 * result outside its specification): flagged when found, open until a staff
 * member signs an assessment (password re-entered); the row then changes
 * once (trigger `bank_deviations_only_assess`), with its audit event.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '#db/client.ts';
import { bankDeviations } from '#db/schema/bank.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { fail, ok, transact, type Caller, type Result } from '#server/requests/core.ts';
import { checkPassword, sign } from '#server/requests/signatures.ts';

export async function assessDeviation(
  db: Database,
  caller: Caller,
  input: { deviationId: number; assessment: string; password: string },
): Promise<Result<void>> {
  if (caller.role === 'requester') return fail({ code: 'not_found' });
  if (!input.assessment.trim())
    return fail({
      code: 'invalid',
      field: 'assessment',
      message: 'write the assessment',
      key: 'bank.error.assessment',
    });
  const signer = await checkPassword(db, caller, input.password);
  if (!signer.ok) return signer;
  return transact(db, async (tx) => {
    const [d] = await tx
      .select()
      .from(bankDeviations)
      .where(and(eq(bankDeviations.id, input.deviationId), isNull(bankDeviations.closedAt)))
      .for('update');
    if (!d) return fail({ code: 'not_found' });
    const signature = await sign(
      tx,
      signer.value,
      'deviation_closed',
      { type: 'bank_deviation', id: d.id },
      input.assessment,
    );
    const now = new Date();
    await tx
      .update(bankDeviations)
      .set({ assessment: input.assessment, assessedBy: caller.id, assessmentSignatureId: signature.id, closedAt: now })
      .where(eq(bankDeviations.id, d.id));
    await recordAudit(tx, {
      actor: caller.id,
      action: 'bank_deviation.assessed',
      entityType: 'bank_deviation',
      entityId: d.id,
      before: { closedAt: null },
      after: { batch: d.batchId, assessment: input.assessment, signature: signature.id, closedAt: now.toISOString() },
    });
    return ok(undefined);
  });
}
