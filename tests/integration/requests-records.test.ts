/**
 * The paper that the request chain replaces: the institutional official's
 * mailed sign-off, agreements as versioned documents, reminders for requests
 * that sit unanswered, and the registers for the record.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publishAgreement, agreementStatusOf } from '#server/requests/agreements.ts';
import * as requester from '#server/requests/requester.ts';
import * as staff from '#server/requests/staff.ts';
import { sendReminders } from '#server/requests/reminders.ts';
import { outboundRegisterCsv, transportRegisterCsv } from '#server/requests/registers.ts';
import { recordTransport } from '#server/requests/shipments.ts';
import { requestDetail } from '#server/requests/queries.ts';
import type { Caller } from '#server/requests/core.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import {
  driveTo,
  makeCaller,
  must,
  officialConfirms,
  seedLineWithBatch,
  sendOut,
  submittedRequest,
  TEST_PASSWORD,
} from '../support/requests.ts';

let t: TestDatabase;
let rita: Caller;
let anna: Caller;
let bo: Caller;
let admin: Caller;

beforeAll(async () => {
  t = await useTestDatabase();
  rita = await makeCaller(t.db, 'requester');
  anna = await makeCaller(t.db, 'staff');
  bo = await makeCaller(t.db, 'staff');
  admin = await makeCaller(t.db, 'admin');
  await seedLineWithBatch(t.pool, 'REC-LINE', 'REC-B-1', 50);
});
afterAll(async () => t?.close());

const mailsTo = async (to: string) =>
  (await t.pool.query('SELECT subject, body FROM mail_outbox WHERE "to" = $1 ORDER BY id', [to])).rows as {
    subject: string;
    body: string;
  }[];

describe('the institutional official', () => {
  test('gets a mailed link; confirming it (once) records who and when', async () => {
    const official = `official-${Date.now()}@example.org`;
    const id = await submittedRequest(t.db, rita, 'REC-LINE', 'REC-B-1', 1, { officialEmail: official });
    const [mail] = await mailsTo(official);
    expect(mail?.subject).toContain(`#${id}`);
    const token = /confirm-request\?token=([^\s]+)/.exec(mail!.body)?.[1];
    expect(token).toBeTruthy();
    expect(await requester.confirmAsOfficial(t.db, 'forged.token')).toEqual({
      ok: false,
      failure: { code: 'link', why: 'invalid' },
    });
    expect(must(await requester.confirmAsOfficial(t.db, decodeURIComponent(token!)))).toEqual({ requestId: id });
    expect(
      await requester.confirmAsOfficial(t.db, decodeURIComponent(token!)),
      'the link works once, and says so',
    ).toEqual({ ok: false, failure: { code: 'link', why: 'used' } });
    const detail = await requestDetail(t.db, id, anna);
    expect(detail!.request.officialConfirmedAt).toBeInstanceOf(Date);
    expect(detail!.timeline.some((e) => e.kind === 'signature' && e.actor === `official:${official}`)).toBe(true);
  });
});

describe('agreements as documents', () => {
  test('a new version makes open requests accept again before approval, and says so', async () => {
    const id = await submittedRequest(t.db, rita, 'REC-LINE', 'REC-B-1', 1);
    await officialConfirms(t.db, id);
    must(await staff.startReview(t.db, anna, id));
    must(await staff.updateChecklist(t.db, anna, id, ['agreement', 'ethics', 'terms', 'grade', 'official']));
    const published = must(
      await publishAgreement(t.db, admin, {
        code: 'standard-mta',
        title: 'Standard material transfer agreement',
        version: '2.0',
        effectiveDate: '2026-01-01',
        body: 'Version 2 of the text.',
      }),
    );
    expect(published.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(
      await publishAgreement(t.db, admin, {
        code: 'standard-mta',
        title: 'x',
        version: '2.0',
        effectiveDate: '2026-01-01',
        body: 'other',
      }),
      'a version is never overwritten',
    ).toMatchObject({ ok: false });
    const status = await agreementStatusOf(t.db, id);
    expect(status.statuses.map((s) => [s.agreement.version, s.accepted])).toEqual([['2.0', false]]);
    expect(await staff.approveRequest(t.db, anna, id, { password: TEST_PASSWORD, quantities: {} })).toMatchObject({
      ok: false,
      failure: { code: 'transition', error: { code: 'agreement_outdated' } },
    });
    const detail = await requestDetail(t.db, id, rita);
    expect(
      detail!.timeline.some(
        (e) => (e.data as { agreementChanged?: string } | null)?.agreementChanged === 'standard-mta',
      ),
    ).toBe(true);
    must(await requester.reacceptAgreements(t.db, rita, id));
    must(await staff.approveRequest(t.db, anna, id, { password: TEST_PASSWORD, quantities: {} }));
    const { rows } = await t.pool.query(
      'SELECT version, sha256 FROM agreement_acceptances WHERE request_id = $1 ORDER BY id',
      [id],
    );
    expect(rows.map((r) => r.version)).toEqual(['1.0', '2.0']);
    expect(rows[1].sha256).toBe(published.sha256);
  });
});

describe('requests that sit unanswered', () => {
  test('staff are reminded past REMINDER_DAYS (once a day), admins past ESCALATION_DAYS (once)', async () => {
    const id = await submittedRequest(t.db, rita, 'REC-LINE', 'REC-B-1', 1);
    const later = new Date(Date.now() + 11 * 86_400_000);
    const { countWaiting } = await import('#server/requests/queries.ts');
    const now = await countWaiting(t.db);
    const then = await countWaiting(t.db, later);
    expect(then.open, 'the dashboard counts open requests').toBe(now.open);
    expect(then.stale, 'past REMINDER_DAYS the bank-held ones count as waiting too long').toBeGreaterThan(now.stale);
    const { rows: open } = await t.pool.query(
      `SELECT count(*)::int AS n FROM requests WHERE state NOT IN ('draft', 'rejected', 'closed', 'withdrawn', 'cancelled')`,
    );
    expect(now.open).toBe(open[0].n);
    const report = await sendReminders(t.db, later);
    expect(report.reminded).toContain(id);
    expect(report.escalated).toContain(id);
    const { rows: staffMail } = await t.pool.query(
      `SELECT count(*)::int AS n FROM mail_outbox m JOIN accounts a ON a.email = m."to" WHERE a.role = 'staff' AND m.body LIKE $1`,
      [`%#${id} %`],
    );
    expect(staffMail[0].n).toBeGreaterThanOrEqual(2);
    const again = await sendReminders(t.db, new Date(later.getTime() + 3_600_000));
    expect(again.reminded, 'not twice within a day').not.toContain(id);
    expect(again.escalated).not.toContain(id);
  });
});

describe('the registers', () => {
  test('outbound and transport registers carry every field, in either language, as UTF-8 with BOM', async () => {
    const id = await submittedRequest(t.db, rita, 'REC-LINE', 'REC-B-1', 3);
    await driveTo(t.db, id, 'released', anna);
    await sendOut(t.db, id, bo, anna, { plannedDate: '2026-11-01', actualDate: '2026-11-02' });
    must(
      await recordTransport(t.db, bo, id, {
        dispatchAt: new Date('2026-11-02T09:00:00Z'),
        dispatchPlace: '北京 资源库',
        dispatchTempC: -120,
        requiredMinC: -196,
        requiredMaxC: -150,
        batchNumbers: 'REC-B-1',
        quantity: 3,
        deviceNumber: 'DS-1',
        vehicle: '冷链车',
        carrier: '顺丰冷运',
        courier: '王',
        trackingNumber: 'SF1234567890',
      }),
    );
    const en = await outboundRegisterCsv(t.db, '2026-11-01', '2026-11-30', 'en');
    expect(en.charCodeAt(0)).toBe(0xfeff);
    expect(en.split('\r\n')[0]).toContain('Planned outbound date');
    const row = en.split('\r\n').find((l) => l.startsWith(`${id},`))!;
    expect(row).toContain(anna.name);
    expect(row).toContain(bo.name);
    expect(row).toContain('2026-11-01');
    expect(row).toContain('REC-B-1');
    const zh = await outboundRegisterCsv(t.db, '2026-11-01', '2026-11-30', 'zh');
    expect(zh.split('\r\n')[0]).toContain('拟出库日期');
    expect(zh.split('\r\n')[0]).toContain('操作人');
    const transport = await transportRegisterCsv(t.db, '2026-11-01', '2026-11-30', 'zh');
    const trow = transport.split('\r\n').find((l) => l.startsWith(`${id},`))!;
    expect(trow).toContain('顺丰冷运');
    expect(trow, 'the tracking number is in the register').toContain('SF1234567890');
    expect(row.split(','), 'phone and e-mail are two cells').toEqual(expect.arrayContaining(['li.wei@example.org']));
    expect(trow, 'a dispatch temperature outside the range is a deviation, in the register too, in Chinese').toContain(
      '发出温度 -120 °C 超出 -196 … -150 °C',
    );
    expect(await outboundRegisterCsv(t.db, '2025-01-01', '2025-12-31', 'en')).not.toContain(`\r\n${id},`);
  });
});

describe('fees', () => {
  test('a batch price wins over its line price; a request keeps the price it was submitted with', async () => {
    const { setPrice } = await import('#server/requests/prices.ts');
    const { batchId } = await seedLineWithBatch(t.pool, 'FEE-LINE', 'FEE-B-1', 10);
    const { rows } = await t.pool.query('SELECT line_id FROM batches WHERE id = $1', [batchId]);
    const lineId = rows[0].line_id as number;
    must(
      await setPrice(t.db, anna, {
        lineId,
        batchId,
        wholeLine: true,
        useCategory: 'research',
        amount: '800',
        currency: 'CNY',
      }),
    );
    must(
      await setPrice(t.db, anna, {
        lineId,
        batchId,
        wholeLine: false,
        useCategory: 'research',
        amount: '1200.50',
        currency: 'CNY',
      }),
    );
    expect(
      await setPrice(t.db, anna, {
        lineId,
        batchId,
        wholeLine: false,
        useCategory: 'research',
        amount: '-5',
        currency: 'CNY',
      }),
    ).toMatchObject({ ok: false, failure: { field: 'amount' } });
    const id = await submittedRequest(t.db, rita, 'FEE-LINE', 'FEE-B-1', 2);
    must(
      await setPrice(t.db, anna, {
        lineId,
        batchId,
        wholeLine: false,
        useCategory: 'research',
        amount: '9999',
        currency: 'CNY',
      }),
    );
    const detail = await requestDetail(t.db, id, rita);
    expect(detail!.items.map((i) => [i.pricePerVial, i.currency])).toEqual([['1200.50', 'CNY']]);
    const audit = await t.pool.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'price.set' AND entity_id IN ($1, $2)`,
      [String(lineId), String(batchId)],
    );
    expect(audit.rows[0].n).toBe(3);
  });
});

describe('the staff queue', () => {
  test('with 250 closed requests older than the one open request, the queue shows the open one (page and API share the query)', async () => {
    const { staffQueue } = await import('#server/requests/queries.ts');
    const queuer = await makeCaller(t.db, 'requester');
    await t.pool.query(
      `INSERT INTO requests (requester_id, state, state_changed_at, project_title) SELECT $1, 'closed', now() - interval '400 days' + g * interval '1 minute', 'old ' || g FROM generate_series(1, 250) g`,
      [queuer.id],
    );
    const open = await submittedRequest(t.db, queuer, 'REC-LINE', 'REC-B-1', 1);
    const queue = await staffQueue(t.db, {});
    expect(queue.map((r) => r.id)).toContain(open);
    expect(queue.every((r) => r.state !== 'closed' && r.state !== 'draft')).toBe(true);
    expect(
      (await staffQueue(t.db, { state: 'closed' })).length,
      'one state on request, closed included',
    ).toBeGreaterThanOrEqual(200);
  });
});
