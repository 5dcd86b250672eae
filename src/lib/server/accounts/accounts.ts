/**
 * Accounts: registration, sign-in, profile and password, and what admins do
 * to them. Every event that changes an account is written to the audit trail
 * in the same transaction. Nothing here knows about HTTP.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { accounts, type Account, type Role } from '#db/schema/accounts.ts';
import type { Locale } from '#i18n/index.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { decoyPasswordHash, hashPassword, verifyPassword } from './password.ts';
import { noteSecurityEvent } from '#server/platform/security-events.ts';
import {
  clearThrottle,
  passwordCheckKeys,
  recordFailure,
  signInKeys,
  throttleWait,
  trustedSignInKeys,
} from './throttle.ts';
import { findTrust, rememberSignIn } from './trust.ts';
import { createSession, invalidateAccountSessions } from './session.ts';

export interface NewAccount {
  email: string;
  password: string;
  displayName: string;
  institution?: string;
  country?: string;
  locale?: Locale;
  role?: Role;
  status?: 'pending' | 'active';
}

/** What the audit trail keeps of an account: never the password hash. */
function auditView(a: Pick<Account, 'email' | 'displayName' | 'role' | 'status'>) {
  return { email: a.email, displayName: a.displayName, role: a.role, status: a.status };
}

export async function findAccountByEmail(db: Executor, email: string): Promise<Account | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.email, email.trim().toLowerCase()));
  return row;
}

export async function findAccountById(db: Executor, id: string): Promise<Account | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  return row;
}

/** Inserts the account; undefined when the email is taken. `actor` is who creates it (the account itself when registering). */
export async function createAccount(tx: Executor, input: NewAccount, actor?: string): Promise<Account | undefined> {
  const id = randomUUID();
  const [account] = await tx
    .insert(accounts)
    .values({
      id,
      email: input.email.trim().toLowerCase(),
      passwordHash: await hashPassword(input.password),
      displayName: input.displayName,
      institution: input.institution ?? '',
      country: input.country ?? '',
      locale: input.locale ?? 'en',
      role: input.role ?? 'requester',
      status: input.status ?? 'pending',
    })
    .onConflictDoNothing()
    .returning();
  if (!account) return undefined;
  await recordAudit(tx, {
    actor: actor ?? id,
    action: 'account.created',
    entityType: 'account',
    entityId: id,
    after: auditView(account),
  });
  return account;
}

export async function activateAccount(tx: Executor, accountId: string): Promise<Account | undefined> {
  const before = await findAccountById(tx, accountId);
  if (!before || before.status === 'disabled') return undefined;
  if (before.status === 'active') return before;
  const [after] = await tx.update(accounts).set({ status: 'active' }).where(eq(accounts.id, accountId)).returning();
  await recordAudit(tx, {
    actor: accountId,
    action: 'account.verified',
    entityType: 'account',
    entityId: accountId,
    before: auditView(before),
    after: auditView(after!),
  });
  return after;
}

export type SignInResult =
  | { ok: true; token: string; expiresAt: Date; account: Account; deviceToken: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'unverified'; account: Account }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/**
 * Checks the password and opens a fresh session. Unknown email, wrong
 * password and disabled account all answer `invalid`, after the same argon2
 * work; throttling (growing delays, see throttle.ts) answers alike whether
 * the email exists or not, and checks no password while it lasts. From a
 * device or an address the account signed in from before (trust.ts), only
 * that device's or that pair's failures count: strangers elsewhere cannot
 * delay the owner.
 */
export async function signIn(
  db: Database,
  input: { email: string; password: string; ipAddress: string; userAgent: string; deviceToken?: string },
  now = new Date(),
): Promise<SignInResult> {
  const known = await findAccountByEmail(db, input.email);
  const trust = known ? await findTrust(db, known.id, input.deviceToken, input.ipAddress, now) : undefined;
  const keys = trust
    ? trustedSignInKeys(trust, input.email, input.ipAddress)
    : signInKeys(input.email, input.ipAddress);
  const wait = await throttleWait(db, keys, now);
  if (wait > 0) {
    // Security noise stays out of the record chain: an attacker must not be able to grow it at will.
    await noteSecurityEvent(db, 'sign_in.throttled', input.ipAddress, now);
    return { ok: false, reason: 'throttled', retryAfterSeconds: wait };
  }
  const account = known;
  const valid = await verifyPassword(account?.passwordHash ?? (await decoyPasswordHash()), input.password);
  if (!account || !valid || account.status === 'disabled') {
    await recordFailure(db, keys, now);
    await noteSecurityEvent(db, 'sign_in.failed', input.ipAddress, now);
    return { ok: false, reason: 'invalid' };
  }
  // The email's and the pair's count go; the address's stays (one right password must not reset a spray).
  await clearThrottle(
    db,
    keys.filter((k) => !k.key.startsWith('address:')),
  );
  if (account.status === 'pending') return { ok: false, reason: 'unverified', account };
  return db.transaction(async (tx) => {
    await tx.update(accounts).set({ lastLoginAt: now }).where(eq(accounts.id, account.id));
    const { token, session } = await createSession(
      tx,
      account.id,
      { ipAddress: input.ipAddress, userAgent: input.userAgent },
      now,
    );
    const deviceToken = await rememberSignIn(tx, account.id, input.deviceToken, input.ipAddress, now);
    return { ok: true as const, token, expiresAt: session.expiresAt, account, deviceToken };
  });
}

export async function updateProfile(
  db: Database,
  accountId: string,
  profile: { displayName: string; institution: string; country: string; locale?: 'en' | 'zh' },
): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await findAccountById(tx, accountId);
    if (!before) return;
    await tx.update(accounts).set(profile).where(eq(accounts.id, accountId));
    await recordAudit(tx, {
      actor: accountId,
      action: 'account.profile_updated',
      entityType: 'account',
      entityId: accountId,
      before: {
        displayName: before.displayName,
        institution: before.institution,
        country: before.country,
        locale: before.locale,
      },
      after: profile,
    });
  });
}

export type ChangePasswordResult =
  | { ok: true; token: string; expiresAt: Date }
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/**
 * Replaces the password and ends every session of the account, then opens a
 * fresh one for the browser that asked. The current-password check is
 * throttled per account like a sign-in, so a stolen session cannot be used
 * to guess the password behind it.
 */
export async function changePassword(
  db: Database,
  input: { accountId: string; currentPassword: string; newPassword: string; ipAddress: string; userAgent: string },
  now = new Date(),
): Promise<ChangePasswordResult> {
  const keys = passwordCheckKeys(input.accountId);
  const wait = await throttleWait(db, keys, now);
  if (wait > 0) {
    await noteSecurityEvent(db, 'password_check.throttled', input.accountId, now);
    return { ok: false, reason: 'throttled', retryAfterSeconds: wait };
  }
  const account = await findAccountById(db, input.accountId);
  if (!account) return { ok: false, reason: 'wrong' };
  if (!(await verifyPassword(account.passwordHash, input.currentPassword))) {
    await recordFailure(db, keys, now);
    await noteSecurityEvent(db, 'password_check.failed', account.id, now);
    return { ok: false, reason: 'wrong' };
  }
  await clearThrottle(db, keys);
  const passwordHash = await hashPassword(input.newPassword);
  return db.transaction(async (tx) => {
    await tx.update(accounts).set({ passwordHash }).where(eq(accounts.id, account.id));
    await invalidateAccountSessions(tx, account.id);
    await recordAudit(tx, {
      actor: account.id,
      action: 'account.password_changed',
      entityType: 'account',
      entityId: account.id,
    });
    const { token, session } = await createSession(tx, account.id, {
      ipAddress: input.ipAddress,
      userAgent: input.userAgent,
    });
    return { ok: true as const, token, expiresAt: session.expiresAt };
  });
}

/** Sets a new password without the old one (reset by mail, or the CLI); ends every session. */
export async function setPassword(
  tx: Executor,
  accountId: string,
  password: string,
  audit: { actor: string; action: string },
): Promise<void> {
  await tx
    .update(accounts)
    .set({ passwordHash: await hashPassword(password) })
    .where(eq(accounts.id, accountId));
  await invalidateAccountSessions(tx, accountId);
  await recordAudit(tx, { ...audit, entityType: 'account', entityId: accountId });
}

export type AccountListItem = Pick<
  Account,
  'id' | 'email' | 'displayName' | 'institution' | 'role' | 'status' | 'createdAt' | 'lastLoginAt'
>;

export async function listAccounts(db: Executor): Promise<AccountListItem[]> {
  return db
    .select({
      id: accounts.id,
      email: accounts.email,
      displayName: accounts.displayName,
      institution: accounts.institution,
      role: accounts.role,
      status: accounts.status,
      createdAt: accounts.createdAt,
      lastLoginAt: accounts.lastLoginAt,
    })
    .from(accounts)
    .orderBy(asc(accounts.email));
}

export type AdminChangeResult = 'ok' | 'not_found' | 'self';

/** Admins change others' roles; not their own, so the last admin cannot lock everyone out by accident. */
export async function changeRole(
  db: Database,
  actorId: string,
  accountId: string,
  role: Role,
): Promise<AdminChangeResult> {
  if (actorId === accountId) return 'self';
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
    if (!before) return 'not_found';
    if (before.role === role) return 'ok';
    const [after] = await tx.update(accounts).set({ role }).where(eq(accounts.id, accountId)).returning();
    await recordAudit(tx, {
      actor: actorId,
      action: 'account.role_changed',
      entityType: 'account',
      entityId: accountId,
      before: auditView(before),
      after: auditView(after!),
    });
    return 'ok';
  });
}

/** Disabling ends the account's sessions at once; enabling makes it active (the admin vouches for the address). */
export async function setAccountDisabled(
  db: Database,
  actorId: string,
  accountId: string,
  disabled: boolean,
): Promise<AdminChangeResult> {
  if (actorId === accountId) return 'self';
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
    if (!before) return 'not_found';
    const status = disabled ? 'disabled' : 'active';
    if (before.status === status) return 'ok';
    const [after] = await tx.update(accounts).set({ status }).where(eq(accounts.id, accountId)).returning();
    if (disabled) await invalidateAccountSessions(tx, accountId);
    await recordAudit(tx, {
      actor: actorId,
      action: disabled ? 'account.disabled' : 'account.enabled',
      entityType: 'account',
      entityId: accountId,
      before: auditView(before),
      after: auditView(after!),
    });
    return 'ok';
  });
}

export async function countAccounts(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(accounts);
  return row?.n ?? 0;
}
