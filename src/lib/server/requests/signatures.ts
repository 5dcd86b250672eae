/**
 * Electronic signatures as 21 CFR 11.50 asks: the signer re-enters the
 * password at the moment of signing, and the record keeps the printed name,
 * the time (UTC) and the meaning of the signature. A wrong password signs
 * nothing and changes nothing; wrong guesses are throttled per account like
 * the current-password check of a password change (a stolen session cannot
 * be used to guess the password through the signature form).
 *
 * Two steps: `checkPassword` runs in its own short transaction before the
 * change (so a wrong guess is counted even though the change it was meant
 * for rolls back, and no row lock is held during the argon2 work); the
 * signature row itself is written in the change's transaction (`sign`, or
 * `changeState` for a state move), so a refused change signs nothing.
 */
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import {
  deviations,
  signatures,
  type Signature,
  type SignatureEntityType,
  type SignatureMeaning,
} from '#db/schema/requests.ts';
import { verifyPassword } from '#server/accounts/password.ts';
import { clearThrottle, passwordCheckKeys, recordFailure, throttleWait } from '#server/accounts/throttle.ts';
import type { Caller, RequestFailure } from './core.ts';

/** An account whose password was just re-entered and checked, with its printed name. */
export interface Signer {
  readonly id: string;
  readonly name: string;
  readonly checked: true;
}

export async function checkPassword(
  db: Database,
  caller: Caller,
  password: string,
): Promise<{ ok: true; value: Signer } | { ok: false; failure: RequestFailure }> {
  const keys = passwordCheckKeys(caller.id);
  return db.transaction(async (tx) => {
    const wait = await throttleWait(tx, keys);
    if (wait > 0) return { ok: false as const, failure: { code: 'throttled' as const, retryAfterSeconds: wait } };
    const [account] = await tx
      .select({ passwordHash: accounts.passwordHash, displayName: accounts.displayName, status: accounts.status })
      .from(accounts)
      .where(eq(accounts.id, caller.id));
    if (account?.status !== 'active' || !(await verifyPassword(account.passwordHash, password))) {
      await recordFailure(tx, keys);
      return { ok: false as const, failure: { code: 'bad_password' as const } };
    }
    await clearThrottle(tx, keys);
    return { ok: true as const, value: { id: caller.id, name: account.displayName, checked: true as const } };
  });
}

/** Writes a signature of a checked signer on a batch, deviation or bank record (request moves sign through `changeState`). */
export async function sign(
  tx: Executor,
  signer: Signer,
  meaning: SignatureMeaning,
  entity: { type: SignatureEntityType; id: number },
  comment?: string | null,
): Promise<Signature> {
  const [row] = await tx
    .insert(signatures)
    .values({
      entityType: entity.type,
      entityId: String(entity.id),
      signerId: signer.id,
      signerName: signer.name,
      meaning,
      comment: comment ?? null,
    })
    .returning();
  return row!;
}

export async function signaturesOf(db: Executor, type: SignatureEntityType, id: number): Promise<Signature[]> {
  return db
    .select()
    .from(signatures)
    .where(and(eq(signatures.entityType, type), eq(signatures.entityId, String(id))))
    .orderBy(signatures.id);
}

/** The signatures of a request's record: on the request itself and on each of its deviations. */
export async function signaturesOfRecord(db: Executor, requestId: number): Promise<Signature[]> {
  return db
    .select()
    .from(signatures)
    .where(
      or(
        and(eq(signatures.entityType, 'request'), eq(signatures.entityId, String(requestId))),
        and(
          eq(signatures.entityType, 'deviation'),
          inArray(
            signatures.entityId,
            db
              .select({ id: sql<string>`${deviations.id}::text` })
              .from(deviations)
              .where(eq(deviations.requestId, requestId)),
          ),
        ),
      ),
    )
    .orderBy(signatures.id);
}
