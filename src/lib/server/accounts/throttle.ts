/**
 * Sign-in throttling in PostgreSQL, so it holds across portal processes:
 * 5 failures within 15 minutes, per typed email and per client IP, lock
 * further attempts until the oldest of those 5 is 15 minutes old.
 */
import { and, desc, eq, gt, inArray } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { signInFailures } from '#db/schema/accounts.ts';

export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;

export function throttleKeys(email: string, ipAddress: string): string[] {
  return [`email:${email.trim().toLowerCase()}`, `ip:${ipAddress}`];
}

/** Seconds to wait before the next attempt, or 0 when an attempt may go ahead. */
export async function checkSignInThrottle(db: Executor, keys: string[], now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS);
  let wait = 0;
  for (const key of keys) {
    // The MAX_FAILURES-th most recent failure: once it leaves the window, fewer than MAX remain.
    const [fifth] = await db
      .select({ at: signInFailures.occurredAt })
      .from(signInFailures)
      .where(and(eq(signInFailures.key, key), gt(signInFailures.occurredAt, since)))
      .orderBy(desc(signInFailures.occurredAt))
      .offset(MAX_FAILURES - 1)
      .limit(1);
    if (fifth) wait = Math.max(wait, Math.ceil((fifth.at.getTime() + FAILURE_WINDOW_MS - now.getTime()) / 1000));
  }
  return wait;
}

export async function recordSignInFailure(db: Executor, keys: string[], now = new Date()): Promise<void> {
  await db.insert(signInFailures).values(keys.map((key) => ({ key, occurredAt: now })));
}

/**
 * Forms that send mail (register, forgot password) share the same counter:
 * every request counts, 5 per 15 minutes per address and per client IP, so
 * nobody can flood an inbox or probe accounts through mail timing.
 */
export function mailRateKeys(email: string, ipAddress: string): string[] {
  return [`mail:email:${email.trim().toLowerCase()}`, `mail:ip:${ipAddress}`];
}

/** Seconds to wait, or 0 after counting this request. */
export async function takeMailRate(db: Executor, keys: string[], now = new Date()): Promise<number> {
  const wait = await checkSignInThrottle(db, keys, now);
  if (wait === 0) await recordSignInFailure(db, keys, now);
  return wait;
}

/** A successful sign-in forgets the email's failures (not the IP's: one right password must not reset a spray). */
export async function clearSignInFailures(db: Executor, keys: string[]): Promise<void> {
  await db.delete(signInFailures).where(inArray(signInFailures.key, keys));
}
