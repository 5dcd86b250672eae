/**
 * Two people sign every bank record at the bench: the signed-in operator
 * re-enters their password, and the reviewer, a different staff member,
 * enters their e-mail and password on the same screen (21 CFR 11.50 through
 * the one signature writer, requests/signatures.ts). Nothing is written
 * unless both signatures hold; the database also refuses a record whose
 * operator and reviewer are the same account (CHECK `*_two_people`).
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import type { Signature, SignatureEntityType } from '#db/schema/requests.ts';
import { fail, ok, type Caller, type Result } from '#server/requests/core.ts';
import { sign } from '#server/requests/signatures.ts';
import { passwordCheckKeys, recordFailure } from '#server/accounts/throttle.ts';

export interface CosignInput {
  /** The operator's (signed-in caller's) password. */
  password: string;
  reviewerEmail: string;
  reviewerPassword: string;
}

export interface Cosigned {
  operator: Caller;
  reviewer: Caller;
  operatorSignature: Signature;
  reviewerSignature: Signature;
}

/** The columns every signed record carries. */
export function signedColumns(c: Cosigned) {
  return {
    operatorId: c.operator.id,
    operatorName: c.operatorSignature.signerName,
    operatorSignatureId: c.operatorSignature.id,
    reviewerId: c.reviewer.id,
    reviewerName: c.reviewerSignature.signerName,
    reviewerSignatureId: c.reviewerSignature.id,
  };
}

class SignatureRefused extends Error {
  constructor(
    readonly failure: Extract<Result<never>, { ok: false }>['failure'],
    readonly accountId: string,
  ) {
    super('signature refused');
  }
}

/**
 * Signs for `what` on the entity (a batch, a box) as operator (executed) and reviewer
 * (reviewed). Both signatures are written under a savepoint: when the second
 * is refused the first is rolled back with it (no orphan signature), and the
 * wrong password is then counted for the throttle outside the savepoint.
 */
export async function cosign(tx: Executor, operator: Caller, input: CosignInput, entity: { type: SignatureEntityType; id: number }, what: string): Promise<Result<Cosigned>> {
  if (operator.role === 'requester') return fail({ code: 'not_found' });
  const found = await tx.execute<{ id: string; display_name: string; role: 'requester' | 'staff' | 'admin'; status: string }>(
    sql`SELECT id, display_name, role, status FROM accounts WHERE email = lower(${input.reviewerEmail.trim()})`,
  );
  const row = found.rows[0];
  if (!row || row.role === 'requester' || row.status !== 'active') return fail({ code: 'invalid', field: 'reviewerEmail', message: 'the reviewer must be an active staff account', key: 'bank.error.reviewer' });
  if (row.id === operator.id) return fail({ code: 'same_person' });
  const reviewer: Caller = { id: row.id, name: row.display_name, role: row.role };
  try {
    const both = await tx.transaction(async (inner) => {
      const a = await sign(inner, operator, input.password, 'executed', entity, what);
      if ('failure' in a) throw new SignatureRefused(a.failure, operator.id);
      const b = await sign(inner, reviewer, input.reviewerPassword, 'reviewed', entity, what);
      if ('failure' in b) throw new SignatureRefused(b.failure, reviewer.id);
      return { operatorSignature: a.signature, reviewerSignature: b.signature };
    });
    return ok({ operator, reviewer, ...both });
  } catch (error) {
    if (!(error instanceof SignatureRefused)) throw error;
    if (error.failure.code === 'bad_password') await recordFailure(tx, passwordCheckKeys(error.accountId));
    if (error.accountId === reviewer.id && error.failure.code === 'bad_password') return fail({ code: 'invalid', field: 'reviewerPassword', message: "the reviewer's password is wrong", key: 'bank.error.reviewerPassword' });
    return fail(error.failure);
  }
}
