/**
 * The institutional official's part of screening (issue 15 rules 5, 9, 10).
 * The official is a real, different person: their address differs from the
 * requester's, mail to officials is throttled per requester and per address,
 * and the mail carries no text the requester wrote, only the request number
 * and a one-time link. The official's page shows what they confirm
 * (requester, lines, quantities, purpose, agreement versions); they confirm
 * or decline with a reason. A confirmation is bound to the request's content
 * (a digest of lines, quantities, purpose and official): when any of it
 * changes, the confirmation lapses and the official is asked again.
 */
import { createHash } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import { batches } from '#db/schema/batches.ts';
import { lines } from '#db/schema/catalog.ts';
import { officialConfirmationTokens, requestItems, requests, type Request } from '#db/schema/requests.ts';
import { issueToken, parseToken, secretMatches } from '#server/accounts/token.ts';
import { takeMailAllowance, type ThrottleKey } from '#server/accounts/throttle.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { agreementStatusOf } from './agreements.ts';
import { addEvent, fail, ok, transact, type Caller, type Result } from './core.ts';
import { mailStaff, notify } from './notifications.ts';
import { publicOrigin } from '#server/platform/config.ts';
import { officialMayAnswer } from './states.ts';

export const OFFICIAL_LINK_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;

const HOUR = 3_600_000;
/** Mail to officials: per requester and per official address, so the form cannot be used to mail strangers. */
const officialMailPolicies = {
  requester: { free: 5, baseMs: 10 * 60_000, capMs: 6 * HOUR, halfLifeMs: 6 * HOUR },
  address: { free: 3, baseMs: 10 * 60_000, capMs: 6 * HOUR, halfLifeMs: 6 * HOUR },
};

function officialMailKeys(requesterId: string, email: string): ThrottleKey[] {
  return [
    { key: `official-mail:requester:${requesterId}`, policy: officialMailPolicies.requester },
    { key: `official-mail:to:${mailbox(email)}`, policy: officialMailPolicies.address },
  ];
}

/**
 * One mailbox, however it is written: lower case, no `+tag`, and for the
 * providers that ignore dots in the local part, none. `li.wei+x@Gmail.com`
 * and `liwei@gmail.com` are one person.
 */
export function mailbox(email: string): string {
  const [local = '', domain = ''] = email
    .trim()
    .toLowerCase()
    .split(/@(?=[^@]*$)/);
  const base = local.split('+')[0]!;
  const dotless = ['gmail.com', 'googlemail.com'].includes(domain) ? base.replaceAll('.', '') : base;
  return `${dotless}@${domain === 'googlemail.com' ? 'gmail.com' : domain}`;
}

export function domainOf(email: string): string {
  return email.trim().toLowerCase().split('@').pop() ?? '';
}

/** Why an official's address cannot be used, if it cannot: it is the requester's own (any alias of it). */
export function officialEmailProblem(
  officialEmail: string,
  requesterEmails: string[],
): 'official_is_requester' | undefined {
  if (!officialEmail.trim()) return undefined;
  const official = mailbox(officialEmail);
  return requesterEmails.some((e) => e.trim() && mailbox(e) === official) ? 'official_is_requester' : undefined;
}

/** The content an official confirms, as a digest: lines, batches, quantities, purpose, use and the official named. */
export async function officialDigest(db: Executor, request: Request): Promise<string> {
  const items = await db
    .select({ line: requestItems.lineId, batch: requestItems.batchId, quantity: requestItems.quantity })
    .from(requestItems)
    .where(and(eq(requestItems.requestId, request.id), eq(requestItems.active, true)))
    .orderBy(asc(requestItems.id));
  const content = {
    purpose: request.purpose,
    use: request.useCategory,
    title: request.projectTitle,
    official: [request.officialName.trim(), mailbox(request.officialEmail)],
    items,
  };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

export type OfficialStatus = 'confirmed' | 'lapsed' | 'declined' | 'pending';

/** Whether the official confirmed the request as it is now. */
export async function officialStatusOf(db: Executor, request: Request): Promise<OfficialStatus> {
  if (request.officialConfirmedAt)
    return request.officialConfirmedDigest === (await officialDigest(db, request)) ? 'confirmed' : 'lapsed';
  return request.officialDeclinedAt ? 'declined' : 'pending';
}

/**
 * Mails the official a one-time link (in the request's language), unless the
 * requester or the address has had too many such mails lately: then the mail
 * is withheld and the timeline says so (staff can follow up).
 */
export async function mailOfficial(tx: Executor, request: Request): Promise<boolean> {
  const allowed = await takeMailAllowance(tx, officialMailKeys(request.requesterId, request.officialEmail));
  if (!allowed) {
    await addEvent(tx, {
      requestId: request.id,
      kind: 'notice',
      caller: { id: 'system', name: 'system', role: 'staff' },
      data: { officialMailWithheld: true },
    });
    return false;
  }
  const { id, token, secretHash } = issueToken();
  await tx.insert(officialConfirmationTokens).values({
    id,
    secretHash: secretHash.toString('hex'),
    requestId: request.id,
    expiresAt: new Date(Date.now() + OFFICIAL_LINK_LIFETIME_MS),
  });
  const link = `${publicOrigin()}${request.locale === 'zh' ? '/zh' : ''}/confirm-request?token=${encodeURIComponent(token)}`;
  // Nothing the requester typed goes into this mail: the official reads the request on the portal's page.
  await notify(tx, { email: request.officialEmail, locale: request.locale }, (t) => ({
    subject: t('request.mail.officialSubject', { id: String(request.id) }),
    body: `${t('request.mail.officialBody', { id: String(request.id) })}\n\n${link}`,
  }));
  return true;
}

type TokenRow = typeof officialConfirmationTokens.$inferSelect;
type TokenCheck = { ok: true; row: TokenRow } | { ok: false; why: 'invalid' | 'used' | 'expired' };

async function checkToken(db: Executor, token: string, lock: boolean): Promise<TokenCheck> {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, why: 'invalid' };
  const query = db.select().from(officialConfirmationTokens).where(eq(officialConfirmationTokens.id, parsed.id));
  const [row] = lock ? await query.for('update') : await query;
  if (!row || !secretMatches(parsed.secret, Buffer.from(row.secretHash, 'hex'))) return { ok: false, why: 'invalid' };
  if (row.usedAt) return { ok: false, why: 'used' };
  if (row.expiresAt.getTime() < Date.now()) return { ok: false, why: 'expired' };
  return { ok: true, row };
}

export interface OfficialView {
  status: 'open' | 'invalid' | 'used' | 'expired' | 'ended';
  request?: {
    id: number;
    requester: string;
    institution: string;
    principalInvestigator: string;
    projectTitle: string;
    purpose: string;
    useCategory: string;
    officialName: string;
    items: { line: string; batch: string | null; quantity: number }[];
    agreements: { title: string; version: string }[];
    /** The digest of what the page shows: the confirmation must match it. */
    digest: string;
  };
}

/** What the official's page shows for a link (read only: a GET never confirms). */
export async function officialView(db: Executor, token: string): Promise<OfficialView> {
  const check = await checkToken(db, token, false);
  if (!check.ok) return { status: check.why };
  const [row] = await db
    .select({ request: requests, requester: accounts.displayName })
    .from(requests)
    .innerJoin(accounts, eq(accounts.id, requests.requesterId))
    .where(eq(requests.id, check.row.requestId));
  if (!row) return { status: 'invalid' };
  const r = row.request;
  if (!officialMayAnswer(r.state)) return { status: 'ended' };
  const items = await db
    .select({ line: lines.name, batch: batches.number, quantity: requestItems.quantity })
    .from(requestItems)
    .innerJoin(lines, eq(lines.id, requestItems.lineId))
    .leftJoin(batches, eq(batches.id, requestItems.batchId))
    .where(and(eq(requestItems.requestId, r.id), eq(requestItems.active, true)))
    .orderBy(asc(requestItems.id));
  const { statuses } = await agreementStatusOf(db, r.id);
  return {
    status: 'open',
    request: {
      id: r.id,
      requester: row.requester,
      institution: r.institution,
      principalInvestigator: r.principalInvestigator,
      projectTitle: r.projectTitle,
      purpose: r.purpose,
      useCategory: r.useCategory,
      officialName: r.officialName,
      items,
      agreements: statuses.map((s) => ({ title: s.agreement.title, version: s.agreement.version })),
      digest: await officialDigest(db, r),
    },
  };
}

export type OfficialAnswer =
  | { decision: 'confirm'; digest: string }
  | { decision: 'decline'; digest: string; reason: string };

/**
 * The official's answer behind the link's buttons: confirms the content the
 * page showed (refused when the request changed since, or ended), or
 * declines with a reason. The link works once; staff are mailed either way.
 */
export async function answerAsOfficial(
  db: Database,
  token: string,
  answer: OfficialAnswer,
): Promise<Result<{ requestId: number }>> {
  if (answer.decision === 'decline' && !answer.reason.trim())
    return fail({ code: 'invalid', field: 'reason', message: 'give the reason', key: 'required' });
  return transact(db, async (tx) => {
    const check = await checkToken(tx, token, true);
    if (!check.ok) return fail({ code: 'link', why: check.why });
    const [request] = await tx.select().from(requests).where(eq(requests.id, check.row.requestId)).for('update');
    if (!request) return fail({ code: 'not_found' });
    if (!officialMayAnswer(request.state)) return fail({ code: 'link', why: 'ended' });
    const digest = await officialDigest(tx, request);
    if (digest !== answer.digest) return fail({ code: 'link', why: 'changed' });
    const now = new Date();
    await tx
      .update(officialConfirmationTokens)
      .set({ usedAt: now })
      .where(eq(officialConfirmationTokens.id, check.row.id));
    const official: Caller = { id: `official:${request.officialEmail}`, name: request.officialName, role: 'requester' };
    const confirmed = answer.decision === 'confirm';
    const set = confirmed
      ? {
          officialConfirmedAt: now,
          officialConfirmedDigest: digest,
          officialDeclinedAt: null,
          officialDeclineReason: null,
        }
      : {
          officialConfirmedAt: null,
          officialConfirmedDigest: null,
          officialDeclinedAt: now,
          officialDeclineReason: answer.reason.trim(),
        };
    await tx.update(requests).set(set).where(eq(requests.id, request.id));
    await addEvent(tx, {
      requestId: request.id,
      kind: 'signature',
      caller: official,
      body: confirmed ? null : answer.reason.trim(),
      data: confirmed ? { officialConfirmed: true, digest } : { officialDeclined: true },
    });
    await mailStaff(tx, (t, locale) => ({
      subject: t(confirmed ? 'request.mail.officialConfirmedSubject' : 'request.mail.officialDeclinedSubject', {
        id: String(request.id),
      }),
      body: `${t(confirmed ? 'request.mail.officialConfirmedSubject' : 'request.mail.officialDeclinedSubject', { id: String(request.id) })}\n\n${publicOrigin()}${locale === 'zh' ? '/zh' : ''}/staff/requests/${request.id}`,
    }));
    await recordAudit(tx, {
      actor: official.id,
      action: confirmed ? 'request.official_confirmed' : 'request.official_declined',
      entityType: 'request',
      entityId: request.id,
      before: {
        officialConfirmedAt: request.officialConfirmedAt?.toISOString() ?? null,
        officialDeclinedAt: request.officialDeclinedAt?.toISOString() ?? null,
      },
      after: {
        ...set,
        officialConfirmedAt: set.officialConfirmedAt?.toISOString() ?? null,
        officialDeclinedAt: set.officialDeclinedAt?.toISOString() ?? null,
        officialName: request.officialName,
      },
      reason: confirmed ? null : answer.reason.trim(),
    });
    return ok({ requestId: request.id });
  });
}

/** The confirmation of the request as it stands (used by tests and scripts that hold a token). */
export async function confirmAsOfficial(db: Database, token: string): Promise<Result<{ requestId: number }>> {
  const view = await officialView(db, token);
  if (view.status !== 'open' || !view.request)
    return fail({ code: 'link', why: view.status === 'open' ? 'invalid' : view.status });
  return answerAsOfficial(db, token, { decision: 'confirm', digest: view.request.digest });
}

/** Requests whose official's domain differs from the requester's own address's: staff look twice. */
export function officialDomainDiffers(request: Pick<Request, 'officialEmail'>, requesterEmail: string): boolean {
  return Boolean(request.officialEmail.trim()) && domainOf(request.officialEmail) !== domainOf(requesterEmail);
}
