/**
 * Builders for request-chain tests: a small catalog (lines, released batches
 * with stock), the standard agreement, accounts as callers, and a request
 * driven to any state through the real services.
 */
import { expect } from 'vitest';
import type { Database } from '#db/client.ts';
import type { Account, Role } from '#db/schema/accounts.ts';
import { officialConfirmationTokens, type Request, type RequestState } from '#db/schema/requests.ts';
import { issueToken } from '#server/accounts/token.ts';
import { importText } from '#server/catalog/import/import-file.ts';
import { ensureDemoAgreements } from '#server/requests/agreements.ts';
import type { Caller, Result } from '#server/requests/core.ts';
import * as requester from '#server/requests/requester.ts';
import * as staff from '#server/requests/staff.ts';
import { reserveRequest } from '#server/requests/reservations.ts';
import type pg from 'pg';
import { makeAccount, TEST_PASSWORD } from './accounts.ts';

export { TEST_PASSWORD };

export function callerFor(account: Account): Caller {
  return { id: account.id, name: account.displayName, role: account.role as Role };
}

export async function makeCaller(db: Database, role: Role): Promise<Caller> {
  return callerFor(await makeAccount(db, role));
}

/** Lines `name` with one released research batch `batch` holding `vials` vials (and optional extra CSV columns). */
export async function seedLineWithBatch(
  pool: pg.Pool,
  line: string,
  batch: string,
  vials: number,
  options: { grade?: 'research' | 'clinical'; restrictions?: string; status?: string } = {},
) {
  const lines = `name,category,use_restrictions\n${line},ipsc,${options.restrictions ?? ''}\n`;
  const r1 = await importText(pool, 'lines.csv', lines);
  expect(r1.problems, JSON.stringify(r1.problems)).toEqual([]);
  const batches = `batch_number,line,type,grade,release_status,vials_total,vials_available,vials_reserved,vials_shipped\n${batch},${line},distribution,${options.grade ?? 'research'},${options.status ?? 'released'},${vials},${vials},0,0\n`;
  const r2 = await importText(pool, 'batches.csv', batches);
  expect(r2.problems, JSON.stringify(r2.problems)).toEqual([]);
  const { rows } = await pool.query('SELECT id FROM batches WHERE number = $1', [batch]);
  return { batchId: rows[0].id as number };
}

export const completeFields: requester.DraftFields = {
  projectTitle: 'Cardiomyocyte differentiation study',
  purpose: 'Derive cardiomyocytes for drug toxicity screening',
  principalInvestigator: 'Dr. Li Wei',
  institution: 'Example University',
  ethicsReference: 'IRB-2026-042',
  useCategory: 'research',
  shippingAddress: '1 Science Road, Beijing',
  contactPhone: '+86 10 0000 0000',
  contactEmail: 'li.wei@example.org',
  officialName: 'Prof. Zhang',
  officialEmail: 'official@example.org',
};

export function must<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`service failed: ${JSON.stringify(result.failure)}`);
  return result.value;
}

/** A submitted request of `quantity` vials of `line`/`batch` by `who`. */
export async function submittedRequest(
  db: Database,
  who: Caller,
  line: string,
  batch: string | undefined,
  quantity: number,
  fields: Partial<requester.DraftFields> = {},
): Promise<number> {
  await ensureDemoAgreements(db);
  const { requestId } = must(await requester.addToBasket(db, who, { line, batch, quantity }));
  must(await requester.saveDraft(db, who, requestId, { ...completeFields, ...fields }));
  must(await requester.submitRequest(db, who, requestId, true));
  return requestId;
}

export const outboundDates = { plannedDate: '2026-11-20', actualDate: '2026-11-21' };

/** The outbound of a released request: `operator` prepares and signs, `reviewer` reviews and signs; the vials leave. */
export async function sendOut(
  db: Database,
  requestId: number,
  operator: Caller,
  reviewer: Caller,
  dates = outboundDates,
): Promise<Request> {
  must(await staff.prepareOutbound(db, operator, requestId, { password: TEST_PASSWORD, ...dates }));
  return must(await staff.reviewOutbound(db, reviewer, requestId, TEST_PASSWORD));
}

/**
 * The institutional official confirms the request as it is now, through the
 * service behind the official's page; the link is issued here as the mailer
 * would (tests of the mailed link itself read the mail outbox).
 */
export async function officialConfirms(db: Database, requestId: number): Promise<void> {
  const { id, token, secretHash } = issueToken();
  await db
    .insert(officialConfirmationTokens)
    .values({ id, secretHash: secretHash.toString('hex'), requestId, expiresAt: new Date(Date.now() + 60_000) });
  must(await requester.confirmAsOfficial(db, token));
}

/** Drives a request from submitted to `target` with reviewer `a` (the approver); the official confirms first. */
export async function driveTo(db: Database, requestId: number, target: RequestState, a: Caller): Promise<Request> {
  await officialConfirms(db, requestId);
  let r = must(await staff.startReview(db, a, requestId));
  if (target === 'under_review') return r;
  must(await staff.updateChecklist(db, a, requestId, ['agreement', 'ethics', 'terms', 'grade', 'official']));
  r = must(await staff.approveRequest(db, a, requestId, { password: TEST_PASSWORD, quantities: {} }));
  if (target === 'approved') return r;
  r = must(await reserveRequest(db, a, requestId));
  if (target === 'reserved') return r;
  r = must(await staff.releaseRequest(db, a, requestId, TEST_PASSWORD));
  return r;
}
