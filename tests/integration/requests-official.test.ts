/**
 * The institutional official (issue 15 rules 5, 9, 10): their confirmation is
 * a computed screening fact bound to the request's content, approval waits
 * for it, an answer to a request for information is checked again and lapses
 * what it touches; the official is someone else than the requester, mails
 * to officials are throttled and carry no text the requester wrote, and a
 * used, expired or ended link says so.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Caller } from '#server/requests/core.ts';
import * as requester from '#server/requests/requester.ts';
import * as staff from '#server/requests/staff.ts';
import { officialView } from '#server/requests/official.ts';
import { requestDetail } from '#server/requests/queries.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import {
  completeFields,
  makeCaller,
  must,
  officialConfirms,
  seedLineWithBatch,
  submittedRequest,
  TEST_PASSWORD,
} from '../support/requests.ts';
import { chainSnapshot } from '../support/snapshot.ts';

let t: TestDatabase;
let staffA: Caller;

beforeAll(async () => {
  t = await useTestDatabase();
  staffA = await makeCaller(t.db, 'staff');
  await seedLineWithBatch(t.pool, 'OFF-LINE', 'OFF-B-1', 100);
  await seedLineWithBatch(t.pool, 'OFF-RO', 'OFF-RO-1', 10, { restrictions: 'research_only' });
});
afterAll(async () => t?.close());

const tokenFor = async (official: string) => {
  const { rows } = await t.pool.query(`SELECT body FROM mail_outbox WHERE "to" = $1 ORDER BY id DESC LIMIT 1`, [
    official,
  ]);
  const token = /confirm-request\?token=([^\s]+)/.exec(rows[0]?.body ?? '')?.[1];
  return token ? decodeURIComponent(token) : undefined;
};

describe("the official's confirmation in screening (rule 5)", () => {
  test('approval is refused until the official confirms; the page shows what they confirm; they may decline with a reason', async () => {
    const rita = await makeCaller(t.db, 'requester');
    const official = `dean-${Date.now()}@uni.example.org`;
    const id = await submittedRequest(t.db, rita, 'OFF-LINE', 'OFF-B-1', 3, { officialEmail: official });
    must(await staff.startReview(t.db, staffA, id));
    expect(
      await staff.updateChecklist(t.db, staffA, id, ['agreement', 'ethics', 'terms', 'grade', 'official']),
    ).toMatchObject({ ok: false, failure: { code: 'invalid', field: 'check-official' } });
    must(await staff.updateChecklist(t.db, staffA, id, ['agreement', 'ethics', 'terms', 'grade']));
    expect(await staff.approveRequest(t.db, staffA, id, { password: TEST_PASSWORD, quantities: {} })).toMatchObject({
      ok: false,
      failure: { code: 'transition', error: { code: 'official_not_confirmed' } },
    });

    const token = (await tokenFor(official))!;
    const view = await officialView(t.db, token);
    expect(view).toMatchObject({
      status: 'open',
      request: {
        id,
        institution: completeFields.institution,
        purpose: completeFields.purpose,
        items: [{ line: 'OFF-LINE', batch: 'OFF-B-1', quantity: 3 }],
        agreements: [{ version: '1.0' }],
      },
    });
    const staffMailsBefore = (
      await t.pool.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE subject LIKE $1`, [`%#${id}%declined%`])
    ).rows[0].n;
    expect(
      await requester.answerAsOfficial(t.db, token, { decision: 'decline', digest: view.request!.digest, reason: ' ' }),
    ).toMatchObject({ ok: false, failure: { code: 'invalid', field: 'reason' } });
    must(
      await requester.answerAsOfficial(t.db, token, {
        decision: 'decline',
        digest: view.request!.digest,
        reason: 'Not a project of our institute',
      }),
    );
    const detail = await requestDetail(t.db, id, staffA);
    expect(detail!.official).toBe('declined');
    expect(detail!.request.officialDeclineReason).toBe('Not a project of our institute');
    expect(
      (await t.pool.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE subject LIKE $1`, [`%#${id}%declined%`]))
        .rows[0].n,
      'staff are mailed',
    ).toBeGreaterThan(staffMailsBefore);
    expect(await officialView(t.db, token), 'a used link says so').toEqual({ status: 'used' });
    expect(await requester.confirmAsOfficial(t.db, token)).toEqual({
      ok: false,
      failure: { code: 'link', why: 'used' },
    });

    await officialConfirms(t.db, id);
    must(await staff.updateChecklist(t.db, staffA, id, ['agreement', 'ethics', 'terms', 'grade', 'official']));
    expect(must(await staff.approveRequest(t.db, staffA, id, { password: TEST_PASSWORD, quantities: {} })).state).toBe(
      'approved',
    );
  });

  test('an expired link and a link of an ended request say so', async () => {
    const rita = await makeCaller(t.db, 'requester');
    const official = `exp-${Date.now()}@uni.example.org`;
    const id = await submittedRequest(t.db, rita, 'OFF-LINE', 'OFF-B-1', 1, { officialEmail: official });
    const token = (await tokenFor(official))!;
    await t.pool.query(
      `UPDATE official_confirmation_tokens SET expires_at = now() - interval '1 second' WHERE request_id = $1`,
      [id],
    );
    expect(await officialView(t.db, token)).toEqual({ status: 'expired' });
    await t.pool.query(
      `UPDATE official_confirmation_tokens SET expires_at = now() + interval '1 day' WHERE request_id = $1`,
      [id],
    );
    must(await requester.withdrawRequest(t.db, rita, id, 'changed plans'));
    expect(await officialView(t.db, token)).toEqual({ status: 'ended' });
    expect(await requester.confirmAsOfficial(t.db, token)).toEqual({
      ok: false,
      failure: { code: 'link', why: 'ended' },
    });
  });
});

describe('approval looks at the request as it is now (rule 9)', () => {
  test('an answer is checked against the terms again; changing the official lapses the confirmation and clears its check', async () => {
    const rita = await makeCaller(t.db, 'requester');
    const id = await submittedRequest(t.db, rita, 'OFF-RO', 'OFF-RO-1', 1);
    await officialConfirms(t.db, id);
    must(await staff.startReview(t.db, staffA, id));
    must(await staff.updateChecklist(t.db, staffA, id, ['agreement', 'ethics', 'terms', 'grade', 'official']));
    must(await staff.requestInformation(t.db, staffA, id, 'Please name the ethics committee.'));

    const before = await chainSnapshot(t.pool);
    expect(
      await requester.saveDraft(t.db, rita, id, { ...completeFields, useCategory: 'commercial' }),
      'a research-only line cannot turn commercial',
    ).toMatchObject({ ok: false, failure: { code: 'invalid', key: 'research_only' } });
    expect(
      await requester.saveDraft(t.db, rita, id, { ...completeFields, ethicsReference: '' }),
      'the ethics reference cannot be blanked',
    ).toMatchObject({ ok: false, failure: { code: 'invalid', field: 'ethicsReference', key: 'required' } });
    expect(await chainSnapshot(t.pool), 'refused answers change nothing').toEqual(before);

    const newOfficial = `new-official-${Date.now()}@example.org`;
    must(
      await requester.saveDraft(t.db, rita, id, {
        ...completeFields,
        officialName: 'Prof. Wang',
        officialEmail: newOfficial,
      }),
    );
    let detail = await requestDetail(t.db, id, staffA);
    expect(detail!.official, 'the confirmation was of other content').toBe('lapsed');
    expect(detail!.request.checklist.official, 'its check is cleared').toBe(false);
    expect(detail!.request.checklist.ethics, 'untouched checks stay').toBe(true);
    must(await requester.answerInformationRequest(t.db, rita, id, 'Changed the official.'));
    expect(await tokenFor(newOfficial), 'the new official is asked').toBeTruthy();
    expect(await staff.approveRequest(t.db, staffA, id, { password: TEST_PASSWORD, quantities: {} })).toMatchObject({
      ok: false,
      failure: { code: 'transition', error: { code: 'official_not_confirmed' } },
    });
    must(await requester.confirmAsOfficial(t.db, (await tokenFor(newOfficial))!));
    detail = await requestDetail(t.db, id, staffA);
    expect(detail!.official).toBe('confirmed');
    // The ticked 'official' check was cleared: approval recomputes and needs it ticked again.
    expect(await staff.approveRequest(t.db, staffA, id, { password: TEST_PASSWORD, quantities: {} })).toMatchObject({
      ok: false,
      failure: { code: 'transition', error: { code: 'checklist_incomplete' } },
    });
    must(await staff.updateChecklist(t.db, staffA, id, ['agreement', 'ethics', 'terms', 'grade', 'official']));
    must(await staff.approveRequest(t.db, staffA, id, { password: TEST_PASSWORD, quantities: {} }));
  });
});

describe('the official is someone else, and the link cannot be abused (rule 10)', () => {
  test("the requester's own address, in any spelling, cannot be the official's", async () => {
    const rita = await makeCaller(t.db, 'requester');
    const { rows } = await t.pool.query(`SELECT email FROM accounts WHERE id = $1`, [rita.id]);
    const [local, domain] = (rows[0].email as string).split('@');
    const { requestId } = must(await requester.addToBasket(t.db, rita, { line: 'OFF-LINE', quantity: 1 }));
    for (const alias of [
      rows[0].email,
      `${local!.toUpperCase()}@${domain}`,
      `${local}+official@${domain}`,
      ` ${local}@${domain!.toUpperCase()} `,
    ]) {
      expect(
        await requester.saveDraft(t.db, rita, requestId, { ...completeFields, officialEmail: alias }),
        alias,
      ).toMatchObject({
        ok: false,
        failure: { code: 'invalid', field: 'officialEmail', key: 'official_is_requester' },
      });
    }
    expect(
      await requester.saveDraft(t.db, rita, requestId, {
        ...completeFields,
        officialEmail: completeFields.contactEmail,
      }),
      'nor the contact address',
    ).toMatchObject({ ok: false, failure: { key: 'official_is_requester' } });
  });

  test('mails to officials are throttled per requester and carry nothing the requester wrote', async () => {
    const spammer = await makeCaller(t.db, 'requester');
    const marker = `phish-${Date.now()}`;
    const sent: string[] = [];
    for (let i = 0; i < 12; i++) {
      const official = `victim-${i}-${Date.now()}@elsewhere.example`;
      await submittedRequest(t.db, spammer, 'OFF-LINE', 'OFF-B-1', 1, {
        officialEmail: official,
        purpose: `${marker} click http://evil.example`,
        projectTitle: marker,
        officialName: marker,
        principalInvestigator: marker,
        institution: marker,
      });
      if (await tokenFor(official)) sent.push(official);
    }
    expect(sent.length, 'at most the free allowance per requester').toBeLessThanOrEqual(5);
    expect(sent.length).toBeGreaterThan(0);
    const { rows } = await t.pool.query(
      `SELECT count(*)::int AS n FROM mail_outbox WHERE "to" LIKE 'victim-%' AND (body LIKE $1 OR subject LIKE $1)`,
      [`%${marker}%`],
    );
    expect(rows[0].n, 'no requester text in the mail').toBe(0);
  });
});
