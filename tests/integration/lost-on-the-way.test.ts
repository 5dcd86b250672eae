/**
 * Nothing lost on the way: the line a researcher wanted to request survives
 * registration and email verification, and the sessions list names devices
 * in words.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  getPage,
  makeAccount,
  postForm,
  sessionCookie,
  startAccountsPortal,
  TEST_PASSWORD,
} from '../support/accounts.ts';
import { createSession } from '#server/accounts/session.ts';

let portal: Awaited<ReturnType<typeof startAccountsPortal>>;
beforeAll(async () => {
  portal = await startAccountsPortal();
}, 60_000);
afterAll(async () => {
  await portal?.stop();
});

const url = () => portal.server.url;
const hiddenNext = (html: string) =>
  /<input type="hidden" name="next" value="([^"]*)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');

describe('registering keeps the line the researcher wanted to request', () => {
  const wanted = '/account/requests/new?line=WAe009-A';

  test('sign-in -> register -> mail -> verify -> sign-in, carrying next all the way', async () => {
    // The guard sent the researcher to sign in with next; the register link keeps it.
    const signIn = await (await getPage(url(), `/sign-in?next=${encodeURIComponent(wanted)}`)).text();
    const registerHref = /href="(\/register\?next=[^"]+)"/.exec(signIn)?.[1]?.replaceAll('&amp;', '&');
    expect(registerHref).toBe(`/register?next=${encodeURIComponent(wanted)}`);
    const form = await (await getPage(url(), registerHref!)).text();
    expect(hiddenNext(form)).toBe(wanted);

    const email = `next-${Date.now()}@example.org`;
    const posted = await postForm(url(), '/register?_action=register', {
      email,
      password: TEST_PASSWORD,
      displayName: 'Dr Next',
      institution: '',
      country: '',
      locale: 'en',
      next: wanted,
    });
    expect(posted.status, portal.server.output()).toBe(200);
    const mail = await portal.database.db.execute<{ body: string }>(
      sql`SELECT body FROM mail_outbox WHERE "to" = ${email} ORDER BY id DESC LIMIT 1`,
    );
    const link = /https?:\/\/\S+\/verify-email\?\S+/.exec(mail.rows[0]!.body)![0];
    const verifyUrl = new URL(link);
    expect(verifyUrl.searchParams.get('next')).toBe(wanted);

    const verifyPage = await (await getPage(url(), verifyUrl.pathname + verifyUrl.search)).text();
    expect(hiddenNext(verifyPage)).toBe(wanted);
    const verified = await postForm(
      url(),
      `/verify-email?_action=verifyEmail&token=${verifyUrl.searchParams.get('token')}`,
      { token: verifyUrl.searchParams.get('token')!, next: wanted },
    );
    expect(verified.status).toBe(303);
    const to = verified.headers.get('location')!;
    expect(to).toBe(`/sign-in?verified=1&next=${encodeURIComponent(wanted)}`);
    const signInAgain = await (await getPage(url(), to)).text();
    expect(hiddenNext(signInAgain)).toBe(wanted);

    const session = await postForm(url(), '/sign-in?_action=signIn', { email, password: TEST_PASSWORD, next: wanted });
    expect(session.status).toBe(303);
    expect(session.headers.get('location')).toBe(wanted);
  });

  test('a foreign address in next is never carried into the mail', async () => {
    const email = `evil-next-${Date.now()}@example.org`;
    await postForm(url(), '/register?_action=register', {
      email,
      password: TEST_PASSWORD,
      displayName: 'Eve',
      institution: '',
      country: '',
      locale: 'en',
      next: '//evil.example/x',
    });
    const mail = await portal.database.db.execute<{ body: string }>(
      sql`SELECT body FROM mail_outbox WHERE "to" = ${email} LIMIT 1`,
    );
    expect(mail.rows[0]!.body).not.toContain('evil');
    expect(mail.rows[0]!.body).not.toContain('next=');
  });
});

describe('the sessions list', () => {
  test('names devices in words with the address and time, not raw user-agent strings', async () => {
    const account = await makeAccount(portal.database.db, 'requester');
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    await createSession(portal.database.db, account.id, { userAgent: ua, ipAddress: '192.0.2.7' });
    const { cookie } = await sessionCookie(portal.database.db, account.id);
    const html = await (await getPage(url(), '/account', cookie)).text();
    expect(html).toContain('Chrome on Linux');
    expect(html).toContain('192.0.2.7');
    expect(html).not.toContain('AppleWebKit');
    const zh = await (await getPage(url(), '/zh/account', cookie)).text();
    expect(zh).toContain('Linux 上的 Chrome');
  });
});
