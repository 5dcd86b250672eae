/**
 * The request pages over HTTP: an illegal step posted to a staff page is
 * refused in the reader's language, naming both states, and changes nothing.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makeAccount, postForm, sessionCookie, startAccountsPortal } from '../support/accounts.ts';
import { callerFor, seedLineWithBatch, submittedRequest } from '../support/requests.ts';

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

const stateOf = async () => (await portal.database.pool.query('SELECT state FROM requests WHERE id = $1', [requestId])).rows[0].state as string;

test.each([
  ['', 'A request cannot go from &quot;Submitted&quot; to &quot;Closed&quot;. Nothing changed.'],
  ['/zh', '申请不能从&quot;已提交&quot;变为&quot;已关闭&quot;。未作任何更改。'],
])('closing a submitted request from the staff page%s is refused, naming both states, and changes nothing', async (locale, message) => {
  const res = await postForm(portal.server.url, `${locale}/staff/requests/${requestId}?_action=closeRequest`, { requestId: String(requestId) }, { cookie: staffCookie });
  const html = await res.text();
  expect(res.status, 'the page is drawn again with the error, as a conflict').toBe(409);
  expect(html).toContain(message);
  expect(await stateOf()).toBe('submitted');
});
