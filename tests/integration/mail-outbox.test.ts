/**
 * Mail is a transactional outbox: a registration commits whatever SMTP does,
 * its message waits in mail_outbox, and the worker delivers it once SMTP
 * answers. A real SMTP sink (smtp-server) stands in for the mail server.
 */
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inject } from 'vitest';
import { findFreePort } from '#scripts/lib/free-port.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import { postForm } from '../support/accounts.ts';
import { startPortalServer, type RunningServer } from '../support/server.ts';

let t: TestDatabase;
let portal: RunningServer;
let smtpPort: number;
const received: { to: string; data: string }[] = [];
let sink: SMTPServer | undefined;

beforeAll(async () => {
  t = await useTestDatabase();
  smtpPort = await findFreePort(); // nothing listens there yet: SMTP is "down"
  portal = await startPortalServer({
    DATABASE_URL: t.appUrl,
    MEILI_URL: inject('meiliUrl'),
    MEILI_MASTER_KEY: inject('meiliKey'),
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  });
});
afterAll(async () => {
  await portal?.stop();
  await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
  await t?.close();
});

async function outboxRow(to: string) {
  const { rows } = await t.pool.query('SELECT attempts, processed_at, last_error FROM mail_outbox WHERE "to" = $1', [
    to,
  ]);
  return rows[0] as { attempts: number; processed_at: Date | null; last_error: string | null } | undefined;
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 25_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('registration succeeds with SMTP down; the mail waits and leaves once SMTP answers', async () => {
  const email = `outbox-${Date.now()}@example.org`;
  const res = await postForm(portal.url, '/register?_action=register', {
    email,
    password: 'violet tram under Xian rain',
    displayName: 'Outbox Test',
    institution: 'Lab',
    country: 'CN',
  });
  expect(res.status, 'the registration answers normally (redirect to the done page)').toBeLessThan(400);
  const { rows } = await t.pool.query('SELECT status FROM accounts WHERE email = $1', [email]);
  expect(rows, 'the account was committed although SMTP is down').toEqual([{ status: 'pending' }]);

  const failed = await until('a failed delivery attempt', async () => {
    const row = await outboxRow(email);
    return row && row.attempts > 0 && row;
  });
  expect(failed.processed_at, 'the mail waits in the outbox').toBeNull();
  expect(failed.last_error).toBeTruthy();

  sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), data });
        callback();
      });
    },
  });
  await new Promise<void>((r) => sink!.listen(smtpPort, '127.0.0.1', () => r()));

  const delivered = await until('delivery once SMTP answers', async () => {
    const row = await outboxRow(email);
    return row?.processed_at ? row : undefined;
  });
  expect(delivered.processed_at).toBeInstanceOf(Date);
  const mails = received.filter((m) => m.to === email);
  expect(mails, 'delivered exactly once').toHaveLength(1);
  expect(mails[0]!.data).toMatch(/verify-email\?token=/);
}, 60_000);

test('a rolled-back change sends nothing: the mail row is part of its transaction', async () => {
  const { queueMail } = await import('#server/platform/mail.ts');
  const to = `rollback-${Date.now()}@example.org`;
  await expect(
    t.db.transaction(async (tx) => {
      await queueMail(tx, { to, subject: 'never', body: 'never' });
      throw new Error('the change fails');
    }),
  ).rejects.toThrow('the change fails');
  expect(await outboxRow(to)).toBeUndefined();
});
