/**
 * Sessions owned by the portal, the Lucia way: a random `<id>.<secret>` token
 * handed to the browser in an HttpOnly cookie, only the secret's hash stored.
 * Sliding expiry: 30 days, renewed when half of it has passed.
 */
import { and, eq, lt, ne } from 'drizzle-orm';
import { deviceCookieName } from './trust.ts';
import type { AstroCookies } from 'astro';
import type { Executor } from '#db/client.ts';
import { accounts, sessions, type Account, type Session } from '#db/schema/accounts.ts';
import { issueToken, parseToken, secretMatches } from './token.ts';

export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
const RENEW_WHEN_LEFT_MS = SESSION_LIFETIME_MS / 2;

/** What pages and actions may know about the signed-in account (never its password hash). */
export type SessionUser = Pick<
  Account,
  'id' | 'email' | 'displayName' | 'institution' | 'country' | 'locale' | 'role' | 'status'
>;
export type SessionInfo = Omit<Session, 'secretHash'>;

export interface SessionValidation {
  session: SessionInfo;
  user: SessionUser;
  /** True when the expiry moved: the cookie must be set again. */
  renewed: boolean;
}

export async function createSession(
  db: Executor,
  accountId: string,
  client: { userAgent?: string; ipAddress?: string } = {},
  now = new Date(),
): Promise<{ token: string; session: SessionInfo }> {
  const { id, token, secretHash } = issueToken();
  const [row] = await db
    .insert(sessions)
    .values({
      id,
      secretHash,
      accountId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS),
      userAgent: (client.userAgent ?? '').slice(0, 300),
      ipAddress: client.ipAddress ?? '',
    })
    .returning();
  const { secretHash: _, ...session } = row!;
  return { token, session };
}

/** The session and account a token stands for, or undefined (malformed, unknown, wrong secret, expired, disabled account). */
export async function validateSessionToken(
  db: Executor,
  token: string,
  now = new Date(),
): Promise<SessionValidation | undefined> {
  const parsed = parseToken(token);
  if (!parsed) return undefined;
  const [row] = await db
    .select({ session: sessions, user: accounts })
    .from(sessions)
    .innerJoin(accounts, eq(accounts.id, sessions.accountId))
    .where(eq(sessions.id, parsed.id));
  if (!row || !secretMatches(parsed.secret, row.session.secretHash)) return undefined;
  if (row.session.expiresAt.getTime() <= now.getTime()) {
    await db.delete(sessions).where(eq(sessions.id, parsed.id));
    return undefined;
  }
  if (row.user.status === 'disabled') return undefined;
  const { secretHash: _, ...session } = row.session;
  let renewed = false;
  if (session.expiresAt.getTime() - now.getTime() < RENEW_WHEN_LEFT_MS) {
    session.expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
    await db.update(sessions).set({ expiresAt: session.expiresAt }).where(eq(sessions.id, session.id));
    renewed = true;
  }
  const { id, email, displayName, institution, country, locale, role, status } = row.user;
  return { session, user: { id, email, displayName, institution, country, locale, role, status }, renewed };
}

export async function invalidateSession(db: Executor, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Ends one of the account's own sessions; false when it is not theirs (or gone). */
export async function invalidateOwnSession(db: Executor, accountId: string, sessionId: string): Promise<boolean> {
  const gone = await db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.accountId, accountId)))
    .returning({ id: sessions.id });
  return gone.length > 0;
}

/** Every session of the account, except `keep` when given. */
export async function invalidateAccountSessions(db: Executor, accountId: string, keep?: string): Promise<void> {
  await db
    .delete(sessions)
    .where(keep ? and(eq(sessions.accountId, accountId), ne(sessions.id, keep)) : eq(sessions.accountId, accountId));
}

export async function listAccountSessions(db: Executor, accountId: string, now = new Date()): Promise<SessionInfo[]> {
  await db.delete(sessions).where(and(eq(sessions.accountId, accountId), lt(sessions.expiresAt, now)));
  return db
    .select({
      id: sessions.id,
      accountId: sessions.accountId,
      createdAt: sessions.createdAt,
      expiresAt: sessions.expiresAt,
      userAgent: sessions.userAgent,
      ipAddress: sessions.ipAddress,
    })
    .from(sessions)
    .where(eq(sessions.accountId, accountId))
    .orderBy(sessions.createdAt);
}

/** Production uses the `__Host-` prefix: the browser then insists on Secure, path / and no Domain. */
export function sessionCookieName(production: boolean): string {
  return production ? '__Host-session' : 'session';
}

export function setSessionCookie(cookies: AstroCookies, token: string, expiresAt: Date, production: boolean): void {
  cookies.set(sessionCookieName(production), token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: production,
    path: '/',
    expires: expiresAt,
  });
}

/** The device cookie of trust.ts: proof this browser signed in to an account before (a year; renewed at each sign-in). */
export function setDeviceCookie(cookies: AstroCookies, token: string, production: boolean): void {
  cookies.set(deviceCookieName(production), token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: production,
    path: '/',
    maxAge: 365 * 86_400,
  });
}

export function deleteSessionCookie(cookies: AstroCookies, production: boolean): void {
  cookies.set(sessionCookieName(production), '', {
    httpOnly: true,
    sameSite: 'lax',
    secure: production,
    path: '/',
    maxAge: 0,
  });
}
