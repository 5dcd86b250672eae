/**
 * The request pages over HTTP: an illegal step posted to a staff page is
 * refused in the reader's language, naming both states, and changes nothing.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as requester from '#server/requests/requester.ts';
import { getPage, makeAccount, postForm, sessionCookie, startAccountsPortal } from '../support/accounts.ts';
import { callerFor, completeFields, must, seedLineWithBatch, submittedRequest } from '../support/requests.ts';

let portal: Awaited<ReturnType<typeof startAccountsPortal>>;
let staffCookie: string;
let requestId: number;

beforeAll(async () => {
  portal = await startAccountsPortal();
  const db = portal.database.db;
  const requester = await makeAccount(db, 'requester');
  const staff = await makeAccount(db, 'staff');
  staffCookie = (await sessionCookie(db, staff.id)).cookie;
  await seedLineWithBatch(portal.database.pool, 'HTTP-LINE', 'HTTP-B-1', 5);
  requestId = await submittedRequest(db, callerFor(requester), 'HTTP-LINE', 'HTTP-B-1', 1);
}, 120_000);
afterAll(async () => portal?.stop());

const stateOf = async () =>
  (await portal.database.pool.query('SELECT state FROM requests WHERE id = $1', [requestId])).rows[0].state as string;

test.each([
  ['', 'A request cannot go from &quot;Submitted&quot; to &quot;Closed&quot;. Nothing changed.'],
  ['/zh', '申请不能从&quot;已提交&quot;变为&quot;已关闭&quot;。未作任何更改。'],
])(
  'closing a submitted request from the staff page%s is refused, naming both states, and changes nothing',
  async (locale, message) => {
    const res = await postForm(
      portal.server.url,
      `${locale}/staff/requests/${requestId}?_action=closeRequest`,
      { requestId: String(requestId) },
      { cookie: staffCookie },
    );
    const html = await res.text();
    expect(res.status, 'the page is drawn again with the error, as a conflict').toBe(409);
    expect(html).toContain(message);
    expect(await stateOf()).toBe('submitted');
  },
);

test("a refused submission names the field as its label reads, in the reader's language, and keeps what was typed", async () => {
  const db = portal.database.db;
  const rita = await makeAccount(db, 'requester');
  const cookie = (await sessionCookie(db, rita.id)).cookie;
  const { requestId: draft } = must(
    await requester.addToBasket(db, callerFor(rita), { line: 'HTTP-LINE', batch: 'HTTP-B-1', quantity: 1 }),
  );
  const fields = { requestId: String(draft), ...completeFields, projectTitle: 'Kept after the refusal', submit: '1' };
  const res = await postForm(portal.server.url, `/zh/account/requests/${draft}?_action=saveRequest`, fields, {
    cookie,
  });
  const html = await res.text();
  expect(html).toContain('材料转让协议：提交前请勾选接受材料转让协议。');
  expect(html).not.toContain('acceptAgreement:');
  expect(html).toContain('value="Kept after the refusal"');
});

test("the official's page shows what is confirmed; a GET never confirms; a used link says so and offers no button", async () => {
  const db = portal.database.db;
  const rita = await makeAccount(db, 'requester');
  const official = `http-official-${Date.now()}@example.net`;
  const id = await submittedRequest(db, callerFor(rita), 'HTTP-LINE', 'HTTP-B-1', 1, { officialEmail: official });
  const { rows } = await portal.database.pool.query(`SELECT body FROM mail_outbox WHERE "to" = $1`, [official]);
  const path = new URL(/(https?:\/\/\S+confirm-request\S+)/.exec(rows[0].body)![1]!);
  const page = await getPage(portal.server.url, `${path.pathname}${path.search}`);
  const html = await page.text();
  expect(html).toContain(completeFields.purpose);
  expect(html).toContain('HTTP-LINE');
  expect(
    (await portal.database.pool.query('SELECT official_confirmed_at FROM requests WHERE id = $1', [id])).rows[0]
      .official_confirmed_at,
    'opening the page confirms nothing',
  ).toBeNull();
  const digest = /name="digest" value="([0-9a-f]{64})"/.exec(html)![1]!;
  const token = new URLSearchParams(path.search).get('token')!;
  const confirmed = await postForm(
    portal.server.url,
    `/confirm-request?token=${encodeURIComponent(token)}&_action=confirmAsOfficial`,
    { token, digest, decision: 'confirm' },
  );
  expect(await confirmed.text()).toContain('the confirmation is recorded');
  const again = await getPage(portal.server.url, `${path.pathname}${path.search}`);
  const againHtml = await again.text();
  expect(againHtml).toContain('This link has been used already');
  expect(againHtml).not.toContain('Confirm for my institution</button>');
});

test.each([
  ['', 'Temperature data logger files', 'HOBOware CSV'],
  ['/zh', '温度记录仪文件', '摄氏度'],
])(
  'the logger upload hint links to a staff page explaining the formats%s, not into the code repository',
  async (locale, title, words) => {
    const page = await fetch(`${portal.server.url}${locale}/staff/requests/${requestId}`, {
      headers: { cookie: staffCookie },
    });
    expect(await page.text()).not.toContain('docs/logger-format.md');
    const help = await fetch(`${portal.server.url}${locale}/staff/help/logger-files`, {
      headers: { cookie: staffCookie },
    });
    const html = await help.text();
    expect(help.status).toBe(200);
    expect(html).toContain(title);
    expect(html).toContain(words);
    expect(html).toContain('timestamp,temperature_c');
  },
);
