/**
 * Electronic signatures as 21 CFR 11.50 asks: the signer re-enters the
 * password at the moment of signing, and the record keeps the printed name,
 * the time (UTC) and the meaning of the signature. A wrong password signs
 * nothing and changes nothing; wrong guesses are throttled per account like
 * the current-password check of a password change (a stolen session cannot
 * be used to guess the password through the signature form).
 */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import { signatures, type Signature, type SignatureEntityType, type SignatureMeaning } from '#db/schema/requests.ts';
import { verifyPassword } from '#server/accounts/password.ts';
import { clearThrottle, passwordCheckKeys, recordFailure, throttleWait } from '#server/accounts/throttle.ts';
import type { Caller, RequestFailure } from './core.ts';

export async function sign(
  tx: Executor,
  caller: Caller,
  password: string,
  meaning: SignatureMeaning,
  entity: { type: SignatureEntityType; id: number },
  comment?: string | null,
): Promise<{ signature: Signature } | { failure: RequestFailure }> {
  const keys = passwordCheckKeys(caller.id);
  const wait = await throttleWait(tx, keys);
  if (wait > 0) return { failure: { code: 'throttled', retryAfterSeconds: wait } };
  const [account] = await tx.select({ passwordHash: accounts.passwordHash, displayName: accounts.displayName, status: accounts.status }).from(accounts).where(eq(accounts.id, caller.id));
  if (!account || account.status !== 'active' || !(await verifyPassword(account.passwordHash, password))) {
    await recordFailure(tx, keys);
    return { failure: { code: 'bad_password' } };
  }
  await clearThrottle(tx, keys);
  const [row] = await tx
    .insert(signatures)
    .values({ entityType: entity.type, entityId: String(entity.id), signerId: caller.id, signerName: account.displayName, meaning, comment: comment ?? null })
    .returning();
  return { signature: row! };
}

export async function signaturesOf(db: Executor, type: SignatureEntityType, id: number): Promise<Signature[]> {
  return db.select().from(signatures).where(and(eq(signatures.entityType, type), eq(signatures.entityId, String(id)))).orderBy(signatures.id);
}
