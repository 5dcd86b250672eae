/**
 * Throttling after OWASP: growing delays, never a lockout anyone can trigger
 * (src/lib/server/accounts/throttle.ts), and security noise kept out of the
 * audit trail in a bounded, aggregated table. Time is simulated: each call
 * takes `now`, and the attacker always retries the moment it is allowed to.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mailOutbox } from '#db/schema/index.ts';
import { changePassword, signIn, type SignInResult } from '#server/accounts/accounts.ts';
import { requestPasswordReset, resetPassword } from '#server/accounts/password-reset.ts';
import { policies } from '#server/accounts/throttle.ts';
import { EdgeLimits } from '#server/platform/edge.ts';
import { createPool } from '#db/client.ts';
import { makeAccount, TEST_PASSWORD } from '../support/accounts.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const ua = { userAgent: 'vitest' };

/** A clock the attacker and the owner share. */
function clock(start = Date.now()) {
  let at = start;
  return {
    now: () => new Date(at),
    advance: (seconds: number) => (at += seconds * 1000),
  };
}

/** One attempt; when throttled, wait as told and try again (as a patient attacker would). */
async function attemptWhenAllowed(
  c: ReturnType<typeof clock>,
  input: { email: string; password: string; ipAddress: string; deviceToken?: string },
): Promise<SignInResult> {
  for (;;) {
    const r = await signIn(t.db, { ...input, ...ua }, c.now());
    if (r.ok || r.reason !== 'throttled') return r;
    c.advance(r.retryAfterSeconds);
  }
}

const count = async (table: string) =>
  Number((await t.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);

describe('sign-in', () => {
  test('40 wrong passwords from 40 addresses never keep the owner, on a new address, out for more than a minute', async () => {
    const owner = await makeAccount(t.db, 'requester');
    const c = clock();
    for (let i = 0; i < 40; i++) {
      expect(
        await attemptWhenAllowed(c, { email: owner.email, password: `guess ${i}`, ipAddress: `198.51.100.${i}` }),
      ).toMatchObject({ reason: 'invalid' });
    }
    const first = await signIn(
      t.db,
      { email: owner.email, password: TEST_PASSWORD, ipAddress: '192.0.2.77', ...ua },
      c.now(),
    );
    if (!first.ok) {
      expect(first).toMatchObject({ reason: 'throttled' });
      if (first.reason !== 'throttled') return;
      expect(first.retryAfterSeconds, 'the per-account delay is capped short').toBeLessThanOrEqual(
        policies.account.capMs / 1000,
      );
      c.advance(first.retryAfterSeconds);
      expect(
        (await signIn(t.db, { email: owner.email, password: TEST_PASSWORD, ipAddress: '192.0.2.77', ...ua }, c.now()))
          .ok,
      ).toBe(true);
    }
  });

  test('one address guessing one account waits longer and longer; the owner elsewhere still gets in within a minute', async () => {
    const owner = await makeAccount(t.db, 'requester');
    const c = clock();
    for (let i = 0; i < 12; i++)
      await attemptWhenAllowed(c, { email: owner.email, password: `guess ${i}`, ipAddress: '203.0.113.66' });
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await signIn(
        t.db,
        { email: owner.email, password: TEST_PASSWORD, ipAddress: '203.0.113.66', ...ua },
        c.now(),
      );
      expect(r, 'even the right password waits on the guessing pair').toMatchObject({ reason: 'throttled' });
      if (r.ok || r.reason !== 'throttled') return;
      waits.push(r.retryAfterSeconds);
      c.advance(r.retryAfterSeconds);
      expect(
        await signIn(t.db, { email: owner.email, password: `again ${i}`, ipAddress: '203.0.113.66', ...ua }, c.now()),
      ).toMatchObject({ reason: 'invalid' });
    }
    expect(waits[1]).toBeGreaterThan(waits[0]!);
    expect(waits[2]).toBeGreaterThan(waits[1]!);
    expect(waits[2], 'the pair waits far longer than the account cap').toBeGreaterThan(
      (policies.account.capMs / 1000) * 4,
    );

    const owners = clock(c.now().getTime());
    const elsewhere = await attemptWhenAllowed(owners, {
      email: owner.email,
      password: TEST_PASSWORD,
      ipAddress: '192.0.2.88',
    });
    expect(elsewhere.ok).toBe(true);
    expect(owners.now().getTime() - c.now().getTime(), 'the owner waited at most the account cap').toBeLessThanOrEqual(
      policies.account.capMs,
    );
  });

  test('failures for many accounts from one address (an institute NAT) block nobody until the much higher spraying limit', async () => {
    const colleague = await makeAccount(t.db, 'requester');
    const c = clock();
    const nat = '10.20.30.40';
    for (let i = 0; i < 60; i++) {
      expect(
        await signIn(
          t.db,
          { email: `user${i}@institute.example`, password: 'wrong password', ipAddress: nat, ...ua },
          c.now(),
        ),
      ).toMatchObject({ reason: 'invalid' });
    }
    expect(
      (await signIn(t.db, { email: colleague.email, password: TEST_PASSWORD, ipAddress: nat, ...ua }, c.now())).ok,
      'a colleague behind the same NAT',
    ).toBe(true);

    for (let i = 60; i < policies.address.free + 5; i++)
      await signIn(
        t.db,
        { email: `user${i}@institute.example`, password: 'wrong password', ipAddress: nat, ...ua },
        c.now(),
      );
    expect(
      await signIn(
        t.db,
        { email: 'fresh@institute.example', password: 'wrong password', ipAddress: nat, ...ua },
        c.now(),
      ),
      'a spray is throttled per address',
    ).toMatchObject({ reason: 'throttled' });
    expect(
      await signIn(
        t.db,
        { email: 'fresh@institute.example', password: 'wrong password', ipAddress: '10.99.0.1', ...ua },
        c.now(),
      ),
      'other addresses are not',
    ).toMatchObject({ reason: 'invalid' });
  });
});

describe('security noise', () => {
  test('200 throttled sign-ins with attacker-chosen emails add no audit row and a bounded number of aggregated rows', async () => {
    const c = clock(Date.now() + 3_600_000);
    const attacker = '203.0.113.250';
    // Put the address over its spraying limit first.
    for (let i = 0; i < policies.address.free; i++)
      await signIn(
        t.db,
        { email: `spray${i}@victims.example`, password: 'wrong password', ipAddress: attacker, ...ua },
        c.now(),
      );
    const audit = await count('audit_events');
    const throttleRows = await count('auth_throttle');
    const noise = await count('security_events');

    for (let i = 0; i < 200; i++) {
      const r = await signIn(
        t.db,
        { email: `${i}-${'x'.repeat(i % 7)}@chosen-by-attacker.example`, password: 'x', ipAddress: attacker, ...ua },
        c.now(),
      );
      expect(r).toMatchObject({ reason: 'throttled' });
    }
    expect(await count('audit_events'), 'no audit rows').toBe(audit);
    expect(await count('auth_throttle'), 'a throttled attempt creates no throttle key').toBe(throttleRows);
    expect((await count('security_events')) - noise, 'one aggregated row for the lot').toBeLessThanOrEqual(1);
    const { rows } = await t.pool.query(
      `SELECT key, count FROM security_events WHERE kind = 'sign_in.throttled' AND key = $1`,
      [attacker],
    );
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(200);
    expect(JSON.stringify(await t.pool.query(`SELECT * FROM security_events`).then((r) => r.rows))).not.toContain(
      'chosen-by-attacker',
    );
  });

  test('old windows are pruned when a new one starts', async () => {
    await t.pool.query(
      `INSERT INTO security_events (kind, key, window_start, count, last_at) VALUES ('sign_in.failed', '192.0.2.1', now() - interval '40 days', 3, now() - interval '40 days')`,
    );
    await signIn(
      t.db,
      { email: 'nobody@example.org', password: 'wrong password', ipAddress: '192.0.2.201', ...ua },
      new Date(Date.now() + 7_200_000),
    );
    expect(await count(`security_events WHERE window_start < now() - interval '30 days'`)).toBe(0);
  });
});

describe('password change', () => {
  test('the current-password check is throttled: after 5 wrong guesses even the right one waits, then works', async () => {
    const account = await makeAccount(t.db, 'requester');
    const c = clock();
    const input = { accountId: account.id, newPassword: 'violet tram under Xian rain', ipAddress: '192.0.2.10', ...ua };
    for (let i = 0; i < policies.passwordCheck.free; i++) {
      expect(await changePassword(t.db, { ...input, currentPassword: `guess ${i}` }, c.now())).toEqual({
        ok: false,
        reason: 'wrong',
      });
    }
    const throttled = await changePassword(t.db, { ...input, currentPassword: TEST_PASSWORD }, c.now());
    expect(throttled).toMatchObject({ ok: false, reason: 'throttled' });
    if (throttled.ok || throttled.reason !== 'throttled') return;
    // 30 guesses: the delays double, so the last ones wait the cap.
    for (let i = 0; i < 25; i++) {
      const r = await changePassword(t.db, { ...input, currentPassword: `more ${i}` }, c.now());
      if (!r.ok && r.reason === 'throttled') {
        c.advance(r.retryAfterSeconds);
        i--;
      }
    }
    const late = await changePassword(t.db, { ...input, currentPassword: 'one more' }, c.now());
    expect(late).toMatchObject({ reason: 'throttled', retryAfterSeconds: policies.passwordCheck.capMs / 1000 });
    c.advance(policies.passwordCheck.capMs / 1000);
    expect((await changePassword(t.db, { ...input, currentPassword: TEST_PASSWORD }, c.now())).ok).toBe(true);
    expect(
      await count(`security_events WHERE kind = 'password_check.failed' AND key = '${account.id}'`),
    ).toBeGreaterThan(0);
  });
});

describe('forgot password', () => {
  test('past the limit the mail is dropped silently, and the link of the last mail sent still works', async () => {
    const account = await makeAccount(t.db, 'requester');
    const c = clock();
    for (let i = 0; i < 10; i++) {
      // Resolves the same whatever happens: the action answers the same.
      await expect(
        requestPasswordReset(t.db, account.email, 'http://portal.test', { ipAddress: `198.18.0.${i}` }, c.now()),
      ).resolves.toBeUndefined();
    }
    const mails = await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, account.email)).orderBy(sql`id DESC`);
    expect(mails.length).toBe(policies.mailRecipient.free);
    const token = /token=([a-z0-9.]+)/.exec(mails[0]!.body)![1]!;
    expect(await resetPassword(t.db, token, 'a brand new long password')).toBe(true);
    expect(await count(`security_events WHERE kind = 'mail.dropped'`)).toBeGreaterThan(0);
  });
});

describe('strangers cannot lock the owner out (issue 16, finding 2)', () => {
  /**
   * Many attacker addresses keep the account-wide key waiting: each retries the
   * moment it is allowed. Between their attempts the owner tries the right
   * password. Measured: how often the owner got in, per way of coming back.
   */
  test('with 200 attacker addresses hammering the account, the owner on a known device or address gets in every time; a new address shares the capped delay', async () => {
    const owner = await makeAccount(t.db, 'requester');
    const c = clock();
    // The owner signed in once before, from home, and the browser kept its device cookie.
    const first = await signIn(
      t.db,
      { email: owner.email, password: TEST_PASSWORD, ipAddress: '192.0.2.10', ...ua },
      c.now(),
    );
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const device = first.deviceToken;
    const tally = { device: 0, address: 0, newAddress: 0, rounds: 0, attempts: 0, attackerWaits: 0 };
    for (let round = 0; round < 30; round++) {
      tally.rounds++;
      // A burst from many addresses, each a fresh one (no per-address or per-pair delay applies to them).
      for (let i = 0; i < 200 / 30 + 1; i++) {
        const ip = `203.0.${round}.${i}`;
        const r = await signIn(
          t.db,
          { email: owner.email, password: `guess ${round}-${i}`, ipAddress: ip, ...ua },
          c.now(),
        );
        tally.attempts++;
        if (!r.ok && r.reason === 'throttled') tally.attackerWaits++;
      }
      // The owner, right after the burst: from the browser with the cookie on a café's network, from home without it, and from a new place.
      if (
        (
          await signIn(
            t.db,
            { email: owner.email, password: TEST_PASSWORD, ipAddress: `198.18.${round}.1`, deviceToken: device, ...ua },
            c.now(),
          )
        ).ok
      )
        tally.device++;
      if (
        (await signIn(t.db, { email: owner.email, password: TEST_PASSWORD, ipAddress: '192.0.2.10', ...ua }, c.now()))
          .ok
      )
        tally.address++;
      c.advance(5);
    }
    // From a new place, without the cookie, the owner is one of the strangers: the account's delay, capped short.
    // (Tried once at the end: a success there forgets the account's failures, which would end the attack.)
    const fresh = await signIn(
      t.db,
      { email: owner.email, password: TEST_PASSWORD, ipAddress: '198.19.0.1', ...ua },
      c.now(),
    );
    if (fresh.ok) tally.newAddress++;
    else {
      expect(fresh).toMatchObject({ reason: 'throttled' });
      if (fresh.reason === 'throttled')
        expect(fresh.retryAfterSeconds, 'a new address waits at most the per-account cap').toBeLessThanOrEqual(
          policies.account.capMs / 1000,
        );
    }
    console.log(
      `lockout: ${tally.attempts} wrong passwords from ${tally.attempts} addresses in ${tally.rounds} rounds (${tally.attackerWaits} refused unchecked); the owner got in ${tally.device}/${tally.rounds} with the device cookie, ${tally.address}/${tally.rounds} from the known address, ${tally.newAddress}/1 from a new address`,
    );
    expect(tally.device, 'with the device cookie').toBe(tally.rounds);
    expect(tally.address, 'from the address signed in from before').toBe(tally.rounds);
    expect(tally.attackerWaits, 'the attack did keep the account-wide key waiting').toBeGreaterThan(0);
    expect(tally.newAddress, 'from an unknown address the owner shares the per-account delay').toBe(0);
  });

  test('a device cookie of another account, or a made-up one, earns nothing; wrong passwords on a trusted device count on that device alone', async () => {
    const owner = await makeAccount(t.db, 'requester');
    const other = await makeAccount(t.db, 'requester');
    const c = clock();
    const mine = await signIn(
      t.db,
      { email: owner.email, password: TEST_PASSWORD, ipAddress: '192.0.2.20', ...ua },
      c.now(),
    );
    const theirs = await signIn(
      t.db,
      { email: other.email, password: TEST_PASSWORD, ipAddress: '192.0.2.21', ...ua },
      c.now(),
    );
    if (!mine.ok || !theirs.ok) throw new Error('sign-in failed');
    // Strangers make the account wait.
    for (let i = 0; i < 15; i++)
      await signIn(t.db, { email: owner.email, password: `x${i}`, ipAddress: `203.1.0.${i}`, ...ua }, c.now());
    for (const deviceToken of [theirs.deviceToken, 'made-up-token', 'x'.repeat(5000)]) {
      const r = await signIn(
        t.db,
        { email: owner.email, password: TEST_PASSWORD, ipAddress: '198.18.99.1', deviceToken, ...ua },
        c.now(),
      );
      expect(r, 'no trust from a cookie that is not this account’s').toMatchObject({ ok: false, reason: 'throttled' });
    }
    // The owner mistypes on the trusted device: delays grow there (the pair policy), not for the account.
    for (let i = 0; i < 8; i++)
      await attemptWhenAllowed(c, {
        email: owner.email,
        password: `typo ${i}`,
        ipAddress: '198.18.1.1',
        deviceToken: mine.deviceToken,
      });
    const right = await attemptWhenAllowed(c, {
      email: owner.email,
      password: TEST_PASSWORD,
      ipAddress: '198.18.1.1',
      deviceToken: mine.deviceToken,
    });
    expect(right.ok).toBe(true);
  });
});

describe('rate limits shared across processes (issue 17)', () => {
  test('two limiter instances on one database, as two processes have, enforce one budget per address', async () => {
    // Two pools as two processes would have (the app role, as the server connects).
    const [a, b] = [createPool(t.appUrl, { max: 2 }), createPool(t.appUrl, { max: 2 })];
    try {
      const config = { API_RATE_LIMIT: 6, CSV_RATE_LIMIT: 2, CSV_MAX_CONCURRENT: 1 };
      const [one, two] = [new EdgeLimits(config, a), new EdgeLimits(config, b)];
      const address = `192.0.2.${Math.floor(Math.random() * 250)}-shared`;
      const waits: number[] = [];
      for (let i = 0; i < 6; i++) waits.push(await (i % 2 ? two : one).takeApi(address));
      expect(waits, 'six calls, alternating, within the budget').toEqual([0, 0, 0, 0, 0, 0]);
      expect(await one.takeApi(address), 'the seventh, on either, is refused').toBeGreaterThan(0);
      expect(await two.takeApi(address)).toBeGreaterThan(0);
      expect(await two.takeApi(`${address}-other`), 'another address has its own budget').toBe(0);
      expect(
        [await one.takeCsv(address), await two.takeCsv(address), await one.takeCsv(address)].map((w) => w > 0),
      ).toEqual([false, false, true]);
      const rows = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM rate_limits WHERE key LIKE $1`, [
        `%${address}%`,
      ]);
      expect(rows.rows[0]!.n, 'the budgets are rows in PostgreSQL').toBeGreaterThan(0);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  test('a large budget is drawn in leases (one write per lease), and two processes together still get exactly the budget', async () => {
    const [a, b] = [createPool(t.appUrl, { max: 2 }), createPool(t.appUrl, { max: 2 })];
    try {
      // 500 a minute: leases of 10 (platform/leased-budget.ts).
      const config = { API_RATE_LIMIT: 500, CSV_RATE_LIMIT: 2, CSV_MAX_CONCURRENT: 1 };
      const [one, two] = [new EdgeLimits(config, a), new EdgeLimits(config, b)];
      const address = `192.0.2.${Math.floor(Math.random() * 250)}-leased`;
      let allowed = 0;
      for (let i = 0; i < 80; i++) if ((await (i % 2 ? two : one).takeApi(address)) === 0) allowed++;
      expect(allowed).toBe(80);
      const counted = async () =>
        (await t.pool.query<{ points: number }>(`SELECT points FROM rate_limits WHERE key LIKE $1`, [`%${address}`]))
          .rows[0]!.points;
      expect(await counted(), 'eight leases of ten taken, not eighty writes').toBe(80);
      for (let i = 80; i < 700; i++) if ((await (i % 2 ? two : one).takeApi(address)) === 0) allowed++;
      expect(allowed, 'never more than the budget across both').toBe(500);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });
});
