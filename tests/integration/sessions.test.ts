/** Sessions, one-time tokens, throttling and the audit trail, against a real database (services called directly). */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accounts, auditEvents, mailOutbox, sessions } from '#db/schema/index.ts';
import { changePassword, setAccountDisabled, signIn } from '#server/accounts/accounts.ts';
import { registerAccount, verifyEmailToken } from '#server/accounts/email-verification.ts';
import { requestPasswordReset, resetPassword } from '#server/accounts/password-reset.ts';
import {
  createSession,
  invalidateSession,
  SESSION_LIFETIME_MS,
  validateSessionToken,
} from '#server/accounts/session.ts';
import { verifyAuditChain } from '#server/platform/audit.ts';
import { makeAccount, TEST_PASSWORD } from '../support/accounts.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const client = { ipAddress: '192.0.2.10', userAgent: 'vitest' };
const DAY = 24 * 60 * 60 * 1000;

/** The token in the newest mail to `to` (mail goes to the outbox: no SMTP_URL in tests). */
async function mailedToken(to: string): Promise<string> {
  const [mail] = await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, to)).orderBy(sql`id DESC`).limit(1);
  const token = /token=([a-z0-9.]+)/.exec(mail?.body ?? '')?.[1];
  expect(token, `a mail with a token to ${to}`).toBeDefined();
  return token!;
}

describe('sessions', () => {
  test('the token is never stored: the row holds only a 32-byte hash of its secret', async () => {
    const account = await makeAccount(t.db, 'requester');
    const { token, session } = await createSession(t.db, account.id);
    const [id, secret] = token.split('.') as [string, string];
    expect(session.id).toBe(id);
    const raw = await t.pool.query('SELECT * FROM sessions WHERE id = $1', [id]);
    const row = raw.rows[0];
    expect(row.secret_hash).toHaveLength(32);
    const dump = JSON.stringify(raw.rows) + Buffer.from(row.secret_hash).toString('latin1');
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(token);
    expect(await validateSessionToken(t.db, token)).toMatchObject({ user: { id: account.id } });
    expect(await validateSessionToken(t.db, `${id}.${'a'.repeat(24)}`), 'right id, wrong secret').toBeUndefined();
  });

  test('an expired session is rejected and removed; a revoked one is rejected', async () => {
    const account = await makeAccount(t.db, 'requester');
    const long = new Date(Date.now() - SESSION_LIFETIME_MS - 1000);
    const expired = await createSession(t.db, account.id, {}, long);
    expect(await validateSessionToken(t.db, expired.token)).toBeUndefined();
    expect(await t.db.select().from(sessions).where(eq(sessions.id, expired.session.id))).toHaveLength(0);

    const revoked = await createSession(t.db, account.id);
    await invalidateSession(t.db, revoked.session.id);
    expect(await validateSessionToken(t.db, revoked.token)).toBeUndefined();
  });

  test('expiry slides: renewed to 30 days once half is used, untouched before', async () => {
    const account = await makeAccount(t.db, 'requester');
    const created = new Date(Date.now() - 16 * DAY);
    const { token, session } = await createSession(t.db, account.id, {}, created);
    const early = await validateSessionToken(t.db, token, new Date(created.getTime() + DAY));
    expect(early?.renewed).toBe(false);
    const now = new Date();
    const later = await validateSessionToken(t.db, token, now);
    expect(later?.renewed).toBe(true);
    expect(later!.session.expiresAt.getTime()).toBe(now.getTime() + SESSION_LIFETIME_MS);
    expect(later!.session.expiresAt.getTime()).toBeGreaterThan(session.expiresAt.getTime());
  });

  test('disabling an account ends its sessions', async () => {
    const admin = await makeAccount(t.db, 'admin');
    const account = await makeAccount(t.db, 'requester');
    const { token } = await createSession(t.db, account.id);
    expect(await setAccountDisabled(t.db, admin.id, account.id, true)).toBe('ok');
    expect(await validateSessionToken(t.db, token)).toBeUndefined();
    expect(
      await signIn(t.db, { email: account.email, password: TEST_PASSWORD, ...client, ipAddress: '192.0.2.99' }),
    ).toMatchObject({ ok: false, reason: 'invalid' });
  });

  test('every sign-in opens a fresh session', async () => {
    const account = await makeAccount(t.db, 'requester');
    const a = await signIn(t.db, {
      email: account.email.toUpperCase(),
      password: TEST_PASSWORD,
      ...client,
      ipAddress: '192.0.2.50',
    });
    const b = await signIn(t.db, { email: account.email, password: TEST_PASSWORD, ...client, ipAddress: '192.0.2.50' });
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(a.token).not.toBe(b.token);
  });

  test('changing the password ends every session and opens one new one', async () => {
    const account = await makeAccount(t.db, 'requester');
    const one = await createSession(t.db, account.id);
    const two = await createSession(t.db, account.id);
    expect(
      await changePassword(t.db, {
        accountId: account.id,
        currentPassword: 'wrong password here',
        newPassword: 'violet tram under Xian rain',
        ...client,
      }),
    ).toEqual({ ok: false, reason: 'wrong' });
    const fresh = await changePassword(t.db, {
      accountId: account.id,
      currentPassword: TEST_PASSWORD,
      newPassword: 'violet tram under Xian rain',
      ...client,
    });
    if (!fresh.ok) throw new Error(`password not changed: ${fresh.reason}`);
    expect(await validateSessionToken(t.db, one.token)).toBeUndefined();
    expect(await validateSessionToken(t.db, two.token)).toBeUndefined();
    expect(await validateSessionToken(t.db, fresh.token)).toBeDefined();
    expect(await t.db.select().from(sessions).where(eq(sessions.accountId, account.id))).toHaveLength(1);
  });
});

describe('email verification and password reset', () => {
  test('registration mails a link; it activates the account once and only once', async () => {
    await registerAccount(
      t.db,
      { email: 'New.Person@Example.org', password: TEST_PASSWORD, displayName: 'New Person', locale: 'zh' },
      'http://portal.test',
      client,
    );
    const [account] = await t.db.select().from(accounts).where(eq(accounts.email, 'new.person@example.org'));
    expect(account?.status).toBe('pending');
    const token = await mailedToken('new.person@example.org');
    const [mail] = await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, 'new.person@example.org'));
    expect(mail?.subject, 'in the language chosen at registration').toBe('请确认您的电子邮箱');
    expect(mail?.body).toContain('http://portal.test/zh/verify-email?token=');
    const rows = await t.pool.query('SELECT secret_hash FROM email_verification_tokens');
    expect(JSON.stringify(rows.rows)).not.toContain(token.split('.')[1]);

    expect(
      await signIn(t.db, { email: account!.email, password: TEST_PASSWORD, ...client, ipAddress: '192.0.2.60' }),
    ).toMatchObject({ ok: false, reason: 'unverified' });
    expect(await verifyEmailToken(t.db, token)).toBe(true);
    expect(await verifyEmailToken(t.db, token), 'second use').toBe(false);
    const [after] = await t.db.select().from(accounts).where(eq(accounts.id, account!.id));
    expect(after?.status).toBe('active');
  });

  test('registering a taken email changes nothing and mails the owner instead', async () => {
    const account = await makeAccount(t.db, 'requester');
    await registerAccount(
      t.db,
      { email: account.email, password: 'another long password', displayName: 'Intruder' },
      'http://portal.test',
      client,
    );
    const [same] = await t.db.select().from(accounts).where(eq(accounts.id, account.id));
    expect(same?.passwordHash).toBe(account.passwordHash);
    const [mail] = await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, account.email));
    expect(mail?.subject).toBe('You already have an account');
  });

  test('a reset token works once, ends every session, and an expired one does not work', async () => {
    const account = await makeAccount(t.db, 'requester');
    const session = await createSession(t.db, account.id);
    await requestPasswordReset(t.db, account.email, 'http://portal.test', client);
    const token = await mailedToken(account.email);
    expect(await resetPassword(t.db, token, 'violet tram under Xian rain')).toBe(true);
    expect(await resetPassword(t.db, token, 'another violet tram ride'), 'second use').toBe(false);
    expect(await validateSessionToken(t.db, session.token)).toBeUndefined();
    expect(
      await signIn(t.db, {
        email: account.email,
        password: 'violet tram under Xian rain',
        ...client,
        ipAddress: '192.0.2.70',
      }),
    ).toMatchObject({ ok: true });

    await requestPasswordReset(t.db, account.email, 'http://portal.test', client);
    const stale = await mailedToken(account.email);
    await t.pool.query(`UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      stale.split('.')[0],
    ]);
    expect(await resetPassword(t.db, stale, 'yet another long password')).toBe(false);
  });
});

describe('audit trail', () => {
  test('account events are recorded, and the chain holds', async () => {
    const actions = (await t.db.select({ action: auditEvents.action }).from(auditEvents)).map((r) => r.action);
    for (const action of [
      'account.created',
      'account.verified',
      'account.disabled',
      'account.password_changed',
      'account.password_reset',
    ]) {
      expect(actions, action).toContain(action);
    }
    // Security noise (throttled sign-ins, with an entity an attacker chooses) stays out of the record chain.
    expect(actions).not.toContain('account.sign_in_throttled');
    expect(JSON.stringify(await t.db.select().from(auditEvents)), 'no password hash in the trail').not.toContain(
      '$argon2id$',
    );
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });
});
