/**
 * Mailed one-time tokens (email verification, password reset): `<id>.<secret>`
 * like sessions, hashed at rest, expiring, and spent on first use.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import type { emailVerificationTokens, passwordResetTokens } from '#db/schema/accounts.ts';
import { issueToken, parseToken, secretMatches } from './token.ts';

export type OneTimeTokenTable = typeof emailVerificationTokens | typeof passwordResetTokens;

/** Issues a token for the account; earlier unused ones of the same kind stop working. */
export async function issueOneTimeToken(
  db: Executor,
  table: OneTimeTokenTable,
  accountId: string,
  lifetimeMs: number,
  now = new Date(),
): Promise<string> {
  await db.delete(table).where(and(eq(table.accountId, accountId), isNull(table.usedAt)));
  const { id, token, secretHash } = issueToken();
  await db
    .insert(table)
    .values({ id, secretHash, accountId, createdAt: now, expiresAt: new Date(now.getTime() + lifetimeMs) });
  return token;
}

/** The account id if the token is genuine, unused and unexpired; marks it used. Call inside a transaction. */
export async function redeemOneTimeToken(
  db: Executor,
  table: OneTimeTokenTable,
  token: string,
  now = new Date(),
): Promise<string | undefined> {
  const parsed = parseToken(token);
  if (!parsed) return undefined;
  // FOR UPDATE: two simultaneous redemptions of one token cannot both succeed.
  const [row] = await db.select().from(table).where(eq(table.id, parsed.id)).for('update');
  if (!row || !secretMatches(parsed.secret, row.secretHash)) return undefined;
  if (row.usedAt || row.expiresAt.getTime() <= now.getTime()) return undefined;
  await db.update(table).set({ usedAt: now }).where(eq(table.id, row.id));
  return row.accountId;
}
