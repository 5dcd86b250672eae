/**
 * Devices and addresses an account signed in from before, after the OWASP
 * guidance on device cookies: a stranger's failures must not delay the owner.
 *
 * A successful sign-in sets a device cookie (a random token; the database
 * keeps its SHA-256) and remembers the (account, address) pair. The owner
 * signing in again from that device, or from that address, is throttled on
 * that device or pair alone: failures elsewhere, which count on the account
 * as a whole, do not apply. Everyone else (unknown addresses, no cookie)
 * shares the per-account delay of throttle.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { signInTrust } from '#db/schema/accounts.ts';

/** How long a device or an address stays trusted without a sign-in from it. */
export const TRUST_DAYS = 180;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const deviceKey = (token: string) => `device:${sha256(token)}`;
const addressKey = (accountId: string, ipAddress: string) => `address:${accountId}|${ipAddress}`;

export type Trust = { kind: 'device' | 'address'; key: string } | undefined;

/** Whether this account signed in from this device (cookie) or this address within the last TRUST_DAYS. */
export async function findTrust(
  db: Executor,
  accountId: string,
  deviceToken: string | undefined,
  ipAddress: string,
  now = new Date(),
): Promise<Trust> {
  const keys = [
    ...(deviceToken && deviceToken.length <= 100 ? [deviceKey(deviceToken)] : []),
    addressKey(accountId, ipAddress),
  ];
  const since = new Date(now.getTime() - TRUST_DAYS * 86_400_000);
  const rows = await db
    .select({ key: signInTrust.key, lastUsedAt: signInTrust.lastUsedAt })
    .from(signInTrust)
    .where(and(inArray(signInTrust.key, keys), eq(signInTrust.accountId, accountId)));
  const fresh = rows.filter((r) => r.lastUsedAt >= since).map((r) => r.key);
  // The device first: it is the stronger proof (a cookie only that browser holds).
  const device = fresh.find((k) => k.startsWith('device:'));
  if (device) return { kind: 'device', key: device };
  const address = fresh.find((k) => k.startsWith('address:'));
  return address ? { kind: 'address', key: address } : undefined;
}

/**
 * After a successful sign-in: trusts the address, and the device (a new
 * token unless the browser sent a valid one). Returns the device token for
 * the cookie.
 */
export async function rememberSignIn(
  db: Executor,
  accountId: string,
  deviceToken: string | undefined,
  ipAddress: string,
  now = new Date(),
): Promise<string> {
  const known = deviceToken ? await findTrust(db, accountId, deviceToken, ipAddress, now) : undefined;
  const token = known?.kind === 'device' ? deviceToken! : randomBytes(32).toString('base64url');
  await db.execute(sql`
    INSERT INTO sign_in_trust (key, account_id, created_at, last_used_at)
    VALUES (${deviceKey(token)}, ${accountId}, ${now}, ${now}), (${addressKey(accountId, ipAddress)}, ${accountId}, ${now}, ${now})
    ON CONFLICT (key) DO UPDATE SET last_used_at = EXCLUDED.last_used_at`);
  await db.delete(signInTrust).where(lt(signInTrust.lastUsedAt, new Date(now.getTime() - TRUST_DAYS * 86_400_000)));
  return token;
}

/** The device cookie: HttpOnly, a year (`__Host-` and Secure in production). */
export function deviceCookieName(production: boolean): string {
  return production ? '__Host-device' : 'device';
}
