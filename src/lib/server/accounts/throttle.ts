/**
 * Throttling of password guessing and of forms that send mail, in PostgreSQL
 * so it holds across portal processes. After the OWASP Authentication and
 * Credential Stuffing cheat sheets: no hard lockout anyone can trigger, but a
 * delay that grows with each failure, per key:
 *
 * - per (email, address) pair: the guesser's own channel, so it grows longest;
 * - per email (known or not, alike): distributed guessing, but capped short,
 *   so the owner typing the right password from a new address waits seconds,
 *   never a quarter of an hour;
 * - per address: password spraying over many emails, with a limit high
 *   enough that one institute's NAT does not lock out everyone behind it.
 *
 * Each key holds a failure count that decays (half-life per policy; rounded
 * when compared), the time of its last failure and the moment it may be tried again. An attempt made
 * while a key waits is refused without checking the password (no argon2 work,
 * nothing learnt) and without counting, so the delays stay bounded.
 */
import { inArray, sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { authThrottle } from '#db/schema/accounts.ts';

export interface ThrottlePolicy {
  /** Failures (after decay) allowed before any delay. */
  free: number;
  /** The first delay; each further failure doubles it… */
  baseMs: number;
  /** …up to this. */
  capMs: number;
  /** The count halves over this time without failures. */
  halfLifeMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const policies = {
  pair: { free: 5, baseMs: SECOND, capMs: 15 * MINUTE, halfLifeMs: 6 * HOUR },
  account: { free: 10, baseMs: SECOND, capMs: MINUTE, halfLifeMs: HOUR },
  address: { free: 100, baseMs: SECOND, capMs: 15 * MINUTE, halfLifeMs: HOUR },
  /** The current-password check of a password change, per account. */
  passwordCheck: { free: 5, baseMs: SECOND, capMs: 15 * MINUTE, halfLifeMs: 6 * HOUR },
  /**
   * Mail to one address (reset links, "already registered"). Excess mail is
   * dropped, and no new token is issued, so the link of the last mail sent
   * (at most 30 minutes ago, valid for an hour) still works for the owner.
   */
  mailRecipient: { free: 3, baseMs: 2 * MINUTE, capMs: 30 * MINUTE, halfLifeMs: HOUR },
  /** Mail-sending forms used from one client address. */
  mailAddress: { free: 20, baseMs: MINUTE, capMs: 30 * MINUTE, halfLifeMs: HOUR },
} as const satisfies Record<string, ThrottlePolicy>;

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

const email = (e: string) => e.trim().toLowerCase();

export function signInKeys(typedEmail: string, ipAddress: string): ThrottleKey[] {
  return [
    { key: `pair:${email(typedEmail)}|${ipAddress}`, policy: policies.pair },
    { key: `account:${email(typedEmail)}`, policy: policies.account },
    { key: `address:${ipAddress}`, policy: policies.address },
  ];
}

/**
 * The keys of a sign-in from a device or address the account signed in from
 * before (trust.ts): that device alone (the pair's policy), or that pair and
 * the address; never the account-wide key strangers feed.
 */
export function trustedSignInKeys(
  trust: { kind: 'device' | 'address'; key: string },
  typedEmail: string,
  ipAddress: string,
): ThrottleKey[] {
  if (trust.kind === 'device') return [{ key: `trusted-${trust.key}`, policy: policies.pair }];
  return signInKeys(typedEmail, ipAddress).filter((k) => !k.key.startsWith('account:'));
}

export function passwordCheckKeys(accountId: string): ThrottleKey[] {
  return [{ key: `password:${accountId}`, policy: policies.passwordCheck }];
}

export function mailKeys(recipient: string, ipAddress: string): ThrottleKey[] {
  return [
    { key: `mail:${email(recipient)}`, policy: policies.mailRecipient },
    { key: `mail-address:${ipAddress}`, policy: policies.mailAddress },
  ];
}

/** The delay after `failures` failures under a policy, in ms. */
export function delayAfter(failures: number, policy: ThrottlePolicy): number {
  const over = Math.round(failures) - policy.free;
  if (over < 0) return 0;
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(over, 40));
}

/** Seconds to wait before the next attempt, or 0 when it may go ahead. */
export async function throttleWait(db: Executor, keys: ThrottleKey[], now = new Date()): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = await db
    .select({ until: authThrottle.blockedUntil })
    .from(authThrottle)
    .where(
      inArray(
        authThrottle.key,
        keys.map((k) => k.key),
      ),
    );
  let wait = 0;
  for (const row of rows) if (row.until) wait = Math.max(wait, row.until.getTime() - now.getTime());
  return wait > 0 ? Math.ceil(wait / 1000) : 0;
}

/** Counts one failure on every key (decaying the old count first) and sets each key's next allowed moment. */
export async function recordFailure(db: Executor, keys: ThrottleKey[], now = new Date()): Promise<void> {
  for (const { key, policy } of keys) {
    const halfLife = policy.halfLifeMs / 1000;
    const first = delayAfter(1, policy);
    // The old count, decayed to now, plus this failure; one statement, under the row's lock.
    const count = sql`(t.failures * power(0.5::float8, (greatest(extract(epoch FROM (EXCLUDED.last_failure_at - t.last_failure_at)), 0) / ${halfLife})::float8) + 1)`;
    const result = await db.execute<{ inserted: boolean }>(sql`
      INSERT INTO auth_throttle AS t (key, failures, last_failure_at, blocked_until)
      VALUES (${key}, 1, ${now}, ${first > 0 ? new Date(now.getTime() + first) : null})
      ON CONFLICT (key) DO UPDATE SET
        failures = ${count},
        last_failure_at = EXCLUDED.last_failure_at,
        blocked_until = CASE
          WHEN round(${count}) < ${policy.free} THEN NULL
          ELSE EXCLUDED.last_failure_at + least(${policy.capMs}::float8, ${policy.baseMs}::float8 * power(2::float8, least(round(${count}) - ${policy.free}, 40)::float8)) * interval '1 millisecond'
        END
      RETURNING (xmax = 0) AS inserted`);
    // A new key (any typed email makes one): the moment to let quiet ones go, so the table stays bounded.
    if (result.rows[0]?.inserted) await pruneThrottle(db, now);
  }
}

/**
 * A successful sign-in forgets the email's and the pair's failures, not the
 * address's: one right password must not reset a spray.
 */
export async function clearThrottle(db: Executor, keys: ThrottleKey[]): Promise<void> {
  if (keys.length)
    await db.delete(authThrottle).where(
      inArray(
        authThrottle.key,
        keys.map((k) => k.key),
      ),
    );
}

/**
 * Counts one use of a mail-sending form: true when the mail may go, false
 * when it is to be dropped (a key waits; the drop is not counted).
 */
export async function takeMailAllowance(db: Executor, keys: ThrottleKey[], now = new Date()): Promise<boolean> {
  if ((await throttleWait(db, keys, now)) > 0) return false;
  await recordFailure(db, keys, now);
  return true;
}

/** Rows of keys that wait no longer and have been quiet for a day carry nothing worth keeping. */
export async function pruneThrottle(db: Executor, now = new Date()): Promise<void> {
  await db.execute(
    sql`DELETE FROM auth_throttle WHERE last_failure_at < ${now}::timestamptz - interval '1 day' AND (blocked_until IS NULL OR blocked_until < ${now})`,
  );
}
