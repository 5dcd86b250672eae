/**
 * Material transfer agreements as documents: every version is a row with the
 * SHA-256 of its text; a line names the agreement that applies (its
 * `agreement` field, else the bank's standard one). A request records which
 * version the requester accepted; when a newer version takes effect, open
 * requests must accept again before staff can approve them.
 */
import { createHash } from 'node:crypto';
import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { agreementAcceptances, agreements, requestItems, type Agreement } from '#db/schema/requests.ts';
import { lines } from '#db/schema/catalog.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { addEvent, fail, ok, transact, type Caller, type Result } from './core.ts';
import { notify, requestLink } from './notifications.ts';
import { isOpen } from './states.ts';

/** The agreement every line falls under unless it names another. */
export const STANDARD_AGREEMENT = 'standard-mta';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The version in effect today of each agreement code (the newest effective one). */
export async function currentAgreements(
  db: Executor,
  codes?: string[],
  today = new Date().toISOString().slice(0, 10),
): Promise<Map<string, Agreement>> {
  const rows = await db
    .select()
    .from(agreements)
    .where(and(lte(agreements.effectiveDate, today), codes ? inArray(agreements.code, codes) : undefined))
    .orderBy(desc(agreements.effectiveDate), desc(agreements.id));
  const current = new Map<string, Agreement>();
  for (const row of rows) if (!current.has(row.code)) current.set(row.code, row);
  return current;
}

export async function listAgreements(db: Executor): Promise<Agreement[]> {
  return db.select().from(agreements).orderBy(agreements.code, desc(agreements.effectiveDate), desc(agreements.id));
}

export async function findAgreement(db: Executor, id: number): Promise<Agreement | undefined> {
  const [row] = await db.select().from(agreements).where(eq(agreements.id, id));
  return row;
}

/** A line's `agreement` (a name such as "WiCell MTA") -> the code of the agreement documents: `wicell-mta`. */
export function agreementCode(name: string | null | undefined): string {
  const slug = (name ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || STANDARD_AGREEMENT;
}

/** The same rule in SQL, for queries over lines. */
const lineAgreementCode = sql<string>`coalesce(nullif(trim(both '-' from regexp_replace(lower(coalesce(${lines.agreement}, '')), '[^a-z0-9]+', '-', 'g')), ''), ${STANDARD_AGREEMENT})`;

/** The agreement codes a request's lines fall under. */
export async function agreementCodesOf(db: Executor, requestId: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ code: lineAgreementCode })
    .from(requestItems)
    .innerJoin(lines, eq(lines.id, requestItems.lineId))
    .where(and(eq(requestItems.requestId, requestId), eq(requestItems.active, true)));
  return rows.map((r) => r.code);
}

export interface AgreementStatus {
  agreement: Agreement;
  /** Accepted in its current version. */
  accepted: boolean;
  acceptedAt?: Date;
}

/** For each agreement the request needs: its current version and whether that version was accepted. */
export async function agreementStatusOf(
  db: Executor,
  requestId: number,
): Promise<{ statuses: AgreementStatus[]; missing: string[] }> {
  const codes = await agreementCodesOf(db, requestId);
  const current = await currentAgreements(db, codes);
  const accepted = await db.select().from(agreementAcceptances).where(eq(agreementAcceptances.requestId, requestId));
  const statuses: AgreementStatus[] = [];
  const missing: string[] = [];
  for (const code of codes) {
    const agreement = current.get(code);
    if (!agreement) {
      missing.push(code);
      continue;
    }
    const a = accepted.find((x) => x.agreementId === agreement.id);
    statuses.push({ agreement, accepted: Boolean(a), acceptedAt: a?.acceptedAt });
  }
  return { statuses, missing };
}

/** Records acceptance of the current version of every agreement the request needs. */
export async function acceptAgreements(
  tx: Executor,
  requestId: number,
  caller: Caller,
): Promise<Result<AgreementStatus[]>> {
  const { statuses, missing } = await agreementStatusOf(tx, requestId);
  if (missing.length)
    return fail({
      code: 'invalid',
      field: 'agreement',
      message: `no agreement "${missing[0]}" is in effect; the bank must publish it first`,
    });
  for (const s of statuses.filter((x) => !x.accepted)) {
    await tx.insert(agreementAcceptances).values({
      requestId,
      agreementId: s.agreement.id,
      version: s.agreement.version,
      sha256: s.agreement.sha256,
      acceptedBy: caller.id,
    });
    await recordAudit(tx, {
      actor: caller.id,
      action: 'request.agreement_accepted',
      entityType: 'request',
      entityId: requestId,
      after: { agreement: s.agreement.code, version: s.agreement.version, sha256: s.agreement.sha256 },
    });
    await addEvent(tx, {
      requestId,
      kind: 'notice',
      caller,
      body: `${s.agreement.title} ${s.agreement.version}`,
      data: { agreementAccepted: s.agreement.code, version: s.agreement.version, sha256: s.agreement.sha256 },
    });
  }
  return ok((await agreementStatusOf(tx, requestId)).statuses);
}

export interface NewAgreementVersion {
  code: string;
  title: string;
  version: string;
  effectiveDate: string;
  body: string;
}

/**
 * Publishes a version. Open requests under this agreement that accepted an
 * older version are told (timeline and mail) that they must accept again.
 */
export async function publishAgreement(
  db: Database,
  caller: Caller,
  input: NewAgreementVersion,
): Promise<Result<Agreement>> {
  return transact(db, async (tx) => {
    const [exists] = await tx
      .select({ id: agreements.id })
      .from(agreements)
      .where(and(eq(agreements.code, input.code), eq(agreements.version, input.version)));
    if (exists)
      return fail({
        code: 'invalid',
        field: 'version',
        message: `version ${input.version} of ${input.code} exists already; versions are never overwritten`,
      });
    const [row] = await tx
      .insert(agreements)
      .values({ ...input, sha256: sha256Hex(input.body), createdBy: caller.id })
      .returning();
    await recordAudit(tx, {
      actor: caller.id,
      action: 'agreement.published',
      entityType: 'agreement',
      entityId: row!.id,
      after: { code: row!.code, version: row!.version, effectiveDate: row!.effectiveDate, sha256: row!.sha256 },
    });
    const affected = await tx.execute<{ id: number; email: string; locale: string; state: string }>(sql`
      SELECT DISTINCT r.id, a.email, a.locale, r.state FROM requests r
      JOIN accounts a ON a.id = r.requester_id
      JOIN agreement_acceptances aa ON aa.request_id = r.id
      JOIN agreements old ON old.id = aa.agreement_id AND old.code = ${input.code} AND old.id <> ${row!.id}`);
    for (const r of affected.rows.filter((x) => isOpen(x.state as never))) {
      await addEvent(tx, {
        requestId: Number(r.id),
        kind: 'notice',
        caller,
        body: `${row!.title} ${row!.version}`,
        data: { agreementChanged: row!.code, version: row!.version },
      });
      await notify(tx, r, (t, locale) => ({
        subject: t('request.mail.agreementSubject', { id: String(r.id) }),
        body: `${t('request.mail.agreementBody', { title: row!.title, version: row!.version })}\n\n${requestLink(locale, Number(r.id))}`,
      }));
    }
    return ok(row!);
  });
}

/**
 * The demo portal: the bank's standard agreement, and a version of every
 * agreement the catalog's lines name, so requests can be made at all. Their
 * texts say they are demonstration texts; a bank publishes its own in /admin/agreements.
 */
export async function ensureDemoAgreements(db: Executor, actor = 'system'): Promise<void> {
  const named = await db
    .selectDistinct({ name: lines.agreement })
    .from(lines)
    .where(sql`coalesce(${lines.agreement}, '') <> ''`);
  const wanted = new Map<string, string>([[STANDARD_AGREEMENT, 'Standard material transfer agreement']]);
  for (const { name } of named) wanted.set(agreementCode(name), name!);
  const existing = new Set((await db.selectDistinct({ code: agreements.code }).from(agreements)).map((r) => r.code));
  for (const [code, title] of wanted) {
    if (existing.has(code)) continue;
    const body = `${title} (demonstration text) / ${title}（演示文本）

1. The material is provided for the use category stated in the request only. 材料仅可用于申请中说明的用途类别。
2. The recipient will not attempt to identify donors. 接收方不得尝试识别供者身份。
3. The material will not be transferred to third parties without the bank's written consent. 未经资源库书面同意，不得向第三方转让材料。
4. Publications cite the line by its standard name and RRID. 发表成果时须注明细胞系标准名称及 RRID。
5. Recalls notified by the bank are acknowledged and acted on. 收到资源库召回通知后须确认并执行。`;
    const [row] = await db
      .insert(agreements)
      .values({
        code,
        title,
        version: '1.0',
        effectiveDate: '2025-01-01',
        body,
        sha256: sha256Hex(body),
        createdBy: actor,
      })
      .returning();
    await recordAudit(db, {
      actor,
      action: 'agreement.published',
      entityType: 'agreement',
      entityId: row!.id,
      after: { code: row!.code, version: row!.version, sha256: row!.sha256 },
    });
  }
}
