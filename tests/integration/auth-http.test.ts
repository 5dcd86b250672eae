/** Accounts over HTTP against the built portal: sign-out, throttling, origin check, headers, the dev mailbox. */
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { validateSessionToken } from '#server/accounts/session.ts';
import {
  getPage,
  makeAccount,
  postForm,
  sessionCookie,
  setCookieToken,
  startAccountsPortal,
  TEST_PASSWORD,
} from '../support/accounts.ts';
import { startPortalServer } from '../support/server.ts';

let portal: Awaited<ReturnType<typeof startAccountsPortal>>;
beforeAll(async () => {
  portal = await startAccountsPortal();
});
afterAll(async () => {
  await portal?.stop();
});

const url = () => portal.server.url;
/** Every request here comes from 127.0.0.1: forget the IP's failures between tests. */
const forgetFailures = () => portal.database.db.execute(sql`DELETE FROM auth_throttle`);

describe('sign in and out', () => {
  test('signing in sets an HttpOnly, SameSite=Lax cookie holding a fresh session; signing out ends it on the server', async () => {
    const account = await makeAccount(portal.database.db, 'requester');
    const res = await postForm(url(), '/sign-in?_action=signIn', {
      email: account.email,
      password: TEST_PASSWORD,
      next: '/account',
    });
    expect(res.status, portal.server.output()).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
    const cookieLine = res.headers.getSetCookie().find((c) => c.startsWith('session='))!;
    expect(cookieLine).toMatch(/HttpOnly/i);
    expect(cookieLine).toMatch(/SameSite=Lax/i);
    expect(cookieLine, 'Secure only in production').not.toMatch(/Secure/i);
    const deviceLine = res.headers.getSetCookie().find((c) => c.startsWith('device='));
    expect(
      deviceLine,
      'a device cookie: the owner coming back from this browser is never delayed by strangers (issue 16)',
    ).toMatch(/HttpOnly/i);
    const token = setCookieToken(res)!;
    expect(await validateSessionToken(portal.database.db, token)).toBeDefined();
    expect((await getPage(url(), '/account', `session=${token}`)).status).toBe(200);

    const out = await postForm(url(), '/sign-out?_action=signOut', {}, { cookie: `session=${token}` });
    expect(out.status).toBe(303);
    expect(await validateSessionToken(portal.database.db, token), 'the session row is gone').toBeUndefined();
    const replay = await getPage(url(), '/account', `session=${token}`);
    expect(replay.status, 'the old cookie, replayed, opens nothing').toBe(303);
    expect(replay.headers.get('location')).toBe('/sign-in?next=%2Faccount');
  });

  test('the 6th attempt after 5 failures from one address answers 429 with the (growing, short) wait, for a known and an unknown email alike', async () => {
    const account = await makeAccount(portal.database.db, 'requester');
    for (const email of [account.email, 'nobody-here@example.org']) {
      await forgetFailures();
      for (let i = 0; i < 5; i++) {
        const res = await postForm(url(), '/sign-in?_action=signIn', { email, password: 'wrong password' });
        expect(res.status, `attempt ${i + 1} for ${email}`).toBe(401);
        expect(await res.text()).toContain('Email or password is wrong.');
      }
      const sixth = await postForm(url(), '/sign-in?_action=signIn', { email, password: TEST_PASSWORD });
      expect(sixth.status, email).toBe(429);
      expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(sixth.headers.get('retry-after')), 'a delay, not a 15-minute lockout').toBeLessThanOrEqual(2);
      expect(await sixth.text()).toMatch(/Too many failed attempts. Try again in [12] s\./);
    }
    await forgetFailures();
  });

  test('the reset form never refuses: ten requests answer alike, and only the first few mails leave', async () => {
    await forgetFailures();
    const email = 'inbox-owner@example.org';
    await makeAccount(portal.database.db, 'requester', { email });
    const pages = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const res = await postForm(url(), '/forgot-password?_action=requestPasswordReset', { email, locale: 'en' });
      expect(res.status, `request ${i + 1}`).toBe(200);
      expect(res.headers.get('retry-after')).toBeNull();
      pages.add((await res.text()).replace(/nonce="[^"]*"|<input[^>]*_astro[^>]*>/g, ''));
    }
    expect(pages.size, 'the same answer each time').toBe(1);
    const { rows } = await portal.database.pool.query('SELECT count(*)::int AS n FROM mail_outbox WHERE "to" = $1', [
      email,
    ]);
    expect(rows[0].n).toBe(3);
    await forgetFailures();
  });

  test('the current-password check of a password change is throttled: 429 with the wait on the account page', async () => {
    const account = await makeAccount(portal.database.db, 'requester');
    const { cookie } = await sessionCookie(portal.database.db, account.id);
    const fields = (current: string) => ({
      currentPassword: current,
      newPassword: 'violet tram under Xian rain',
      confirmPassword: 'violet tram under Xian rain',
    });
    for (let i = 0; i < 5; i++) {
      const res = await postForm(url(), '/account?_action=changePassword', fields(`guess ${i}`), { cookie });
      expect(res.status, `guess ${i + 1}`).toBe(400);
      expect(await res.text()).toContain('The current password is wrong.');
    }
    const sixth = await postForm(url(), '/account?_action=changePassword', fields(TEST_PASSWORD), { cookie });
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await sixth.text()).toMatch(/Too many failed attempts. Try again in \d+ s\./);
  });

  test('the sign-in form keeps the email typed and shows errors next to the fields, also under /zh', async () => {
    const res = await postForm(url(), '/zh/sign-in?_action=signIn', { email: 'not-an-email', password: '' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('value="not-an-email"');
    expect(html).toMatch(/id="email-error">请输入电子邮箱/);
    expect(html).toMatch(/id="password-error">请填写此项/);
  });
});

describe('cross-site requests', () => {
  test('a form post with a foreign Origin is refused (403) and does nothing', async () => {
    const account = await makeAccount(portal.database.db, 'requester');
    const { cookie, token } = await sessionCookie(portal.database.db, account.id);
    const res = await postForm(url(), '/sign-out?_action=signOut', {}, { cookie, origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await validateSessionToken(portal.database.db, token)).toBeDefined();
    const rpc = await postForm(
      url(),
      '/_actions/updateProfile',
      { displayName: 'Pwned' },
      { cookie, origin: 'https://evil.example' },
    );
    expect(rpc.status).toBe(403);
  });
});

describe('security headers', () => {
  test('pages carry a CSP without unsafe-inline scripts, and the other headers; so do API answers and redirects', async () => {
    for (const path of ['/', '/sign-in', '/zh/register', '/api/health', '/account']) {
      const res = await getPage(url(), path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toMatch(/script-src 'self'/);
      expect(csp, path).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('strict-transport-security'), `${path}: no HSTS outside production`).toBeNull();
    }
    const home = await getPage(url(), '/');
    expect(home.headers.get('content-security-policy'), 'the island hydration scripts are hashed').toMatch(
      /script-src 'self' 'sha256-/,
    );
  });

  test('in production: HSTS, a __Host- Secure cookie, and no /dev/mail', async () => {
    const prod = await startPortalServer({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://cells.example.org',
      EMBEDDED_SERVICES: '1',
      DATABASE_URL: portal.database.appUrl,
      MEILI_URL: inject('meiliUrl'),
      MEILI_MASTER_KEY: inject('meiliKey'),
    });
    try {
      const home = await getPage(prod.url, '/');
      expect(home.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect((await getPage(prod.url, '/dev/mail')).status).toBe(404);
      const account = await makeAccount(portal.database.db, 'requester');
      const res = await postForm(prod.url, '/sign-in?_action=signIn', {
        email: account.email,
        password: TEST_PASSWORD,
      });
      const line = res.headers.getSetCookie().find((c) => c.startsWith('__Host-session='));
      expect(line).toMatch(/Secure/);
      expect(line).toMatch(/HttpOnly/i);
    } finally {
      await prod.stop();
    }
  });

  test('outside production /dev/mail lists the outbox, on a local portal only', async () => {
    expect((await getPage(url(), '/dev/mail')).status).toBe(200);
    const external = await startPortalServer({
      DATABASE_URL: portal.database.appUrl,
      MEILI_URL: inject('meiliUrl'),
      MEILI_MASTER_KEY: inject('meiliKey'),
    });
    try {
      expect(
        (await getPage(external.url, '/dev/mail')).status,
        'a portal on external servers never shows mail, whatever NODE_ENV says',
      ).toBe(404);
    } finally {
      await external.stop();
    }
  });
});
