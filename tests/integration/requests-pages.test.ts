/**
 * The request pages as served, built from their parts: a signed step asks for
 * the password with the printed name and the meaning the signature carries
 * (in either language); the requester's page and both printable records show
 * the one transport block; the requester's never shows staff-only words;
 * an id that is not a number, or someone else's request, is a 404.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { recordTransport } from '#server/requests/shipments.ts';
import * as staff from '#server/requests/staff.ts';
import { makeAccount, sessionCookie, startAccountsPortal } from '../support/accounts.ts';
import { callerFor, driveTo, must, seedLineWithBatch, sendOut, submittedRequest } from '../support/requests.ts';

const INTERNAL_NOTE = 'Internal: tank 3 log checked before release';

let portal: Awaited<ReturnType<typeof startAccountsPortal>>;
let staffCookie: string;
let ritaCookie: string;
let otherCookie: string;
let staffName: string;
let approved: number;
let shipped: number;

beforeAll(async () => {
  portal = await startAccountsPortal();
  const db = portal.database.db;
  const rita = await makeAccount(db, 'requester');
  const other = await makeAccount(db, 'requester');
  const anna = await makeAccount(db, 'staff');
  const bo = await makeAccount(db, 'staff');
  staffName = anna.displayName;
  staffCookie = (await sessionCookie(db, anna.id)).cookie;
  ritaCookie = (await sessionCookie(db, rita.id)).cookie;
  otherCookie = (await sessionCookie(db, other.id)).cookie;
  await seedLineWithBatch(portal.database.pool, 'PAGES-LINE', 'PAGES-B-1', 10);
  approved = await submittedRequest(db, callerFor(rita), 'PAGES-LINE', 'PAGES-B-1', 1);
  await driveTo(db, approved, 'under_review', callerFor(anna));
  must(
    await staff.updateChecklist(db, callerFor(anna), approved, ['agreement', 'ethics', 'terms', 'grade', 'official']),
  );
  shipped = await submittedRequest(db, callerFor(rita), 'PAGES-LINE', 'PAGES-B-1', 2);
  await driveTo(db, shipped, 'released', callerFor(anna));
  await sendOut(db, shipped, callerFor(bo), callerFor(anna));
  must(
    await recordTransport(db, callerFor(bo), shipped, {
      dispatchAt: new Date('2026-11-02T09:00:00Z'),
      dispatchPlace: 'Bank, Beijing',
      dispatchTempC: -190,
      requiredMinC: -196,
      requiredMaxC: -150,
      batchNumbers: 'PAGES-B-1',
      quantity: 2,
      deviceNumber: 'DS-PAGES-9',
      vehicle: 'van',
      carrier: 'PagesCold Logistics',
      courier: 'Wang',
      trackingNumber: 'SF-PAGES-1',
    }),
  );
  must(await staff.postMessage(db, callerFor(anna), shipped, INTERNAL_NOTE, true));
}, 120_000);
afterAll(async () => portal?.stop());

const page = async (path: string, cookie: string) => {
  const res = await fetch(`${portal.server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, html: await res.text() };
};

describe('a signed step', () => {
  test.each([
    ['', 'Your password (signature)', 'Signed as {name}, meaning “approved”.'],
    ['/zh', '您的密码（签名）', '签署人：{name}；签名含义：“已批准”。'],
  ])('asks for the password with the printed name and the meaning (%s)', async (locale, label, signing) => {
    const { status, html } = await page(`${locale}/staff/requests/${approved}`, staffCookie);
    expect(status).toBe(200);
    expect(html).toContain(`<label for="approve-password">${label}</label>`);
    expect(html).toContain('aria-describedby="approve-password-hint"');
    expect(html).toContain(signing.replace('{name}', staffName));
  });
});

describe('the transport block', () => {
  test.each([
    ['staff page', () => `/staff/requests/${shipped}`, () => staffCookie],
    ['staff printable record', () => `/staff/requests/${shipped}/record`, () => staffCookie],
    ['requester page', () => `/account/requests/${shipped}`, () => ritaCookie],
    ['requester printable record', () => `/account/requests/${shipped}/record`, () => ritaCookie],
  ])('is on the %s with every field of the record', async (_name, path, cookie) => {
    const { status, html } = await page(path(), cookie());
    expect(status).toBe(200);
    expect(html).toContain('<h2 id="transport-heading">Transport record (运输)</h2>');
    for (const value of [
      'PagesCold Logistics',
      'DS-PAGES-9',
      'SF-PAGES-1',
      'Bank, Beijing',
      '2026-11-02T09:00:00.000Z',
    ])
      expect(html).toContain(value);
  });
});

describe('the requester door', () => {
  test("shows no staff note and no staff form on the requester's page", async () => {
    const { html } = await page(`/account/requests/${shipped}`, ritaCookie);
    expect(html).not.toContain(INTERNAL_NOTE);
    expect(html).not.toContain('name="password"');
    expect(html).not.toContain('id="internal"');
  });

  test.each([
    ['another requester', () => `/account/requests/${shipped}`, () => otherCookie],
    ["another requester's record", () => `/account/requests/${shipped}/record`, () => otherCookie],
    ['a staff member on the requester door', () => `/account/requests/${shipped}`, () => staffCookie],
    ['an id that is not a number', () => `/staff/requests/${shipped}x`, () => staffCookie],
  ])('is not found for %s', async (_name, path, cookie) => {
    const { status, html } = await page(path(), cookie());
    expect(status).toBe(404);
    expect(html).not.toContain('PagesCold Logistics');
  });
});
