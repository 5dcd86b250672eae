/**
 * The requester's and the staff's request pages under /zh/ show no English
 * controlled value or internal field name (issue 15, "Words and languages"):
 * a request with a deviation is driven to closed through the services, then
 * every page of it is read over HTTP in Chinese.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as requester from '#server/requests/requester.ts';
import * as staff from '#server/requests/staff.ts';
import * as shipments from '#server/requests/shipments.ts';
import { requestDetail } from '#server/requests/queries.ts';
import { getPage, makeAccount, sessionCookie, startAccountsPortal } from '../support/accounts.ts';
import {
  callerFor,
  driveTo,
  must,
  seedLineWithBatch,
  sendOut,
  submittedRequest,
  TEST_PASSWORD,
} from '../support/requests.ts';

let portal: Awaited<ReturnType<typeof startAccountsPortal>>;
let requesterCookie: string;
let staffCookie: string;
let requestId: number;

beforeAll(async () => {
  portal = await startAccountsPortal();
  const db = portal.database.db;
  const rita = await makeAccount(db, 'requester');
  const anna = await makeAccount(db, 'staff');
  const bo = await makeAccount(db, 'staff');
  requesterCookie = (await sessionCookie(db, rita.id)).cookie;
  staffCookie = (await sessionCookie(db, anna.id)).cookie;
  await seedLineWithBatch(portal.database.pool, 'ZH-LINE', 'ZH-B-1', 10, { restrictions: 'research_only' });
  requestId = await submittedRequest(db, callerFor(rita), 'ZH-LINE', 'ZH-B-1', 2);
  await driveTo(db, requestId, 'released', callerFor(anna));
  await sendOut(db, requestId, callerFor(bo), callerFor(anna));
  must(
    await shipments.recordTransport(db, callerFor(bo), requestId, {
      dispatchAt: new Date('2026-11-21T08:00:00Z'),
      dispatchPlace: '北京',
      dispatchTempC: -190,
      requiredMinC: -196,
      requiredMaxC: -150,
      batchNumbers: 'ZH-B-1',
      quantity: 2,
      deviceNumber: 'DS-1',
      vehicle: '冷链车',
      carrier: '顺丰',
      courier: '王',
      trackingNumber: 'SF1',
    }),
  );
  const csv = [
    'timestamp,temperature_c',
    '2026-11-21T08:00:00Z,-190',
    '2026-11-21T08:10:00Z,-140',
    '2026-11-21T08:20:00Z,-185',
  ].join('\n');
  must(await shipments.uploadLoggerFile(db, callerFor(bo), requestId, { name: 'l.csv', text: csv }));
  must(await requester.confirmReceipt(db, callerFor(rita), requestId, { condition: '冷冻完好' }));
  must(
    await shipments.recordArrival(db, callerFor(bo), requestId, {
      arrivalAt: new Date('2026-11-22T08:00:00Z'),
      arrivalPlace: '实验室',
      arrivalTempC: -185,
      receiver: '李',
    }),
  );
  const deviation = (await requestDetail(db, requestId, callerFor(anna)))!.deviations[0]!;
  must(
    await shipments.closeDeviation(db, callerFor(anna), deviation.id, {
      assessment: '短暂升温，可接受。',
      password: TEST_PASSWORD,
    }),
  );
  must(await staff.closeRequest(db, callerFor(anna), requestId));
}, 180_000);
afterAll(async () => portal?.stop());

/** The page's visible text: no scripts, styles or tags. */
const textOf = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ');

const english = [
  /\b(under_review|information_requested|research_only|mta_required|no_commercial|deviation_closed|batch_status)\b/,
  /\b(Above|Below|above|below) -?\d/,
  /\b\d+ readings\b/,
  /\((ipsc|hesc|msc)\)/,
  /, (approved|released|executed|reviewed|deviation closed), \d{4}/,
  /\b(Dispatch|Arrival) temperature\b/,
  /\b(officialEmail|acceptAgreement|loggerFile|contactPhone|useCategory)\b/,
];

test.each([
  ['requester', '/zh/account/requests/{id}'],
  ['requester', '/zh/account/requests/{id}/record'],
  ['requester', '/zh/account/requests'],
  ['staff', '/zh/staff/requests/{id}'],
  ['staff', '/zh/staff/requests/{id}/record'],
  ['staff', '/zh/staff/requests?state=closed'],
])('%s page %s shows no English controlled value', async (who, path) => {
  const res = await getPage(
    portal.server.url,
    path.replace('{id}', String(requestId)),
    who === 'staff' ? staffCookie : requesterCookie,
  );
  expect(res.status).toBe(200);
  const text = textOf(await res.text());
  for (const pattern of english) expect(text.match(pattern)?.[0] ?? null, `${path}: ${pattern}`).toBeNull();
});
