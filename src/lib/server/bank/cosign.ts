/**
 * Two people sign every bank record at the bench: the signed-in operator
 * re-enters their password, and the reviewer, a different staff member,
 * enters their e-mail and password on the same screen (21 CFR 11.50 through
 * the one signature writer, requests/signatures.ts). Nothing is written
 * unless both signatures hold; the database also refuses a record whose
 * operator and reviewer are the same account (CHECK `*_two_people`).
 */
import { sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import type { Role } from '#db/schema/accounts.ts';
import type { Signature, SignatureEntityType } from '#db/schema/requests.ts';
import { fail, ok, type Caller, type Result } from '#server/requests/core.ts';
import { checkPassword, sign, type Signer } from '#server/requests/signatures.ts';

export interface CosignInput {
  /** The operator's (signed-in caller's) password. */
  password: string;
  reviewerEmail: string;
  reviewerPassword: string;
}

/** Operator and reviewer whose passwords were just checked: what `cosign` signs with. */
export interface Cosigners {
  operator: Caller;
  reviewer: Caller;
  operatorSigner: Signer;
  reviewerSigner: Signer;
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

/**
 * Checks both people before the record's transaction (as requests/signatures.ts
 * does for one): the reviewer is another active staff account, and each
 * password is checked in its own short transaction, so a wrong guess is
 * counted by the throttle although the refused record writes nothing.
 */
export async function checkCosigners(db: Database, operator: Caller, input: CosignInput): Promise<Result<Cosigners>> {
  if (operator.role === 'requester') return fail({ code: 'not_found' });
  const found = await db.execute<{
    id: string;
    display_name: string;
    role: Role;
    status: string;
  }>(sql`SELECT id, display_name, role, status FROM accounts WHERE email = lower(${input.reviewerEmail.trim()})`);
  const row = found.rows[0];
  if (!row || row.role === 'requester' || row.status !== 'active')
    return fail({
      code: 'invalid',
      field: 'reviewerEmail',
      message: 'the reviewer must be an active staff account',
      key: 'bank.error.reviewer',
    });
  if (row.id === operator.id) return fail({ code: 'same_person' });
  const reviewer: Caller = { id: row.id, name: row.display_name, role: row.role };
  const operatorSigner = await checkPassword(db, operator, input.password);
  if (!operatorSigner.ok) return operatorSigner;
  const reviewerSigner = await checkPassword(db, reviewer, input.reviewerPassword);
  if (!reviewerSigner.ok) {
    if (reviewerSigner.failure.code === 'bad_password')
      return fail({
        code: 'invalid',
        field: 'reviewerPassword',
        message: "the reviewer's password is wrong",
        key: 'bank.error.reviewerPassword',
      });
    return reviewerSigner;
  }
  return ok({ operator, reviewer, operatorSigner: operatorSigner.value, reviewerSigner: reviewerSigner.value });
}

/**
 * Writes both signatures for `what` on the entity (a batch, a box) in the
 * record's transaction: operator (executed) and reviewer (reviewed).
 */
export async function cosign(
  tx: Executor,
  signers: Cosigners,
  entity: { type: SignatureEntityType; id: number },
  what: string,
): Promise<Result<Cosigned>> {
  const operatorSignature = await sign(tx, signers.operatorSigner, 'executed', entity, what);
  const reviewerSignature = await sign(tx, signers.reviewerSigner, 'reviewed', entity, what);
  return ok({ operator: signers.operator, reviewer: signers.reviewer, operatorSignature, reviewerSignature });
}
