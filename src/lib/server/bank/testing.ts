/**
 * 入库检测 and 放行检测 (seed 002 三(三)): intake and release testing, each a
 * record with its items (item, method, specification, result, within
 * specification), signed by operator and reviewer. A result outside the
 * specification opens a deviation (flagged, open until a signed
 * assessment). A passing release test is the batch's signed release: it
 * needs a passing intake test and no open deviation, moves the batch to
 * `released` (the database refuses that move for a bank batch without one),
 * and generates the certificate of analysis: the release's items become the
 * batch's QC rows, with a new entry version and QC digest, so the CoA version
 * an outbound fixes at release names this release. Earlier releases stay as
 * they were (append-only) and stay readable as earlier CoA versions.
 */
import { createHash } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import {
  bankDeviations,
  bankTestItems,
  intakeTests,
  releaseTests,
  type Conclusion,
  type ReleaseTest,
} from '#db/schema/bank.ts';
import { batches, qcResults } from '#db/schema/batches.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { batchAndLine, queueSearch } from '#server/platform/search-outbox.ts';
import { fail, ok, transact, type Caller, type Result } from '#server/requests/core.ts';
import { checkCosigners, cosign, signedColumns, type CosignInput } from './cosign.ts';

export interface TestItem {
  item: string;
  method: string;
  specification: string;
  result: string;
  withinSpec: boolean;
}

export interface IntakeInput extends CosignInput {
  batchId: number;
  cellType: string;
  productionDate?: string | null;
  handoverAt: Date;
  handoverPerson: string;
  cellCount: number;
  testedCount: number;
  basis: string;
  testedOn: string;
  conclusion: Conclusion;
  items: TestItem[];
}

export interface ReleaseInput extends CosignInput {
  batchId: number;
  cellType: string;
  productionDate?: string | null;
  releaseQuantity: number;
  basis: string;
  testedAt: Date;
  conclusion: Conclusion;
  items: TestItem[];
}

async function lockBankBatch(tx: Executor, batchId: number) {
  const [batch] = await tx.select().from(batches).where(eq(batches.id, batchId)).for('update');
  return batch && batch.qcSource === 'bank' ? batch : undefined;
}

function checkItems(items: TestItem[]): Result<void> {
  if (!items.length)
    return fail({ code: 'invalid', field: 'items', message: 'give at least one test item', key: 'bank.error.noItems' });
  return ok(undefined);
}

export async function recordIntakeTest(
  db: Database,
  caller: Caller,
  input: IntakeInput,
): Promise<Result<{ id: number; deviations: number }>> {
  const items = checkItems(input.items);
  if (!items.ok) return items;
  if (input.testedCount > input.cellCount)
    return fail({
      code: 'invalid',
      field: 'testedCount',
      message: 'more tested than there are',
      key: 'bank.error.testedCount',
    });
  if (input.conclusion === 'pass' && input.items.some((i) => !i.withinSpec))
    return fail({
      code: 'invalid',
      field: 'conclusion',
      message: 'a result is outside its specification: the conclusion cannot be pass',
      key: 'bank.error.passWithOos',
    });
  const signers = await checkCosigners(db, caller, input);
  if (!signers.ok) return signers;
  return transact(db, async (tx) => {
    const batch = await lockBankBatch(tx, input.batchId);
    if (!batch) return fail({ code: 'not_found' });
    const signed = await cosign(
      tx,
      signers.value,
      { type: 'batch', id: batch.id },
      `intake testing of batch ${batch.number}: ${input.conclusion}`,
    );
    if (!signed.ok) return signed;
    const [row] = await tx
      .insert(intakeTests)
      .values({
        batchId: batch.id,
        batchNumber: batch.number,
        cellType: input.cellType,
        productionDate: input.productionDate ?? batch.productionDate,
        handoverAt: input.handoverAt,
        handoverPerson: input.handoverPerson,
        cellCount: input.cellCount,
        testedCount: input.testedCount,
        basis: input.basis,
        testedOn: input.testedOn,
        conclusion: input.conclusion,
        ...signedColumns(signed.value),
      })
      .returning({ id: intakeTests.id });
    await tx
      .insert(bankTestItems)
      .values(input.items.map((it, i) => ({ ...it, intakeTestId: row!.id, position: i + 1 })));
    const deviations = await flagOutOfSpec(tx, batch.id, 'intake_test', { intakeTestId: row!.id }, input.items);
    await recordAudit(tx, {
      actor: caller.id,
      action: 'batch.intake_tested',
      entityType: 'batch',
      entityId: batch.id,
      after: {
        test: row!.id,
        conclusion: input.conclusion,
        items: input.items,
        reviewer: signed.value.reviewer.id,
        signatures: [signed.value.operatorSignature.id, signed.value.reviewerSignature.id],
        deviations,
      },
    });
    return ok({ id: row!.id, deviations });
  });
}

export async function recordReleaseTest(
  db: Database,
  caller: Caller,
  input: ReleaseInput,
): Promise<Result<{ id: number; coaVersion: number; released: boolean; deviations: number }>> {
  const items = checkItems(input.items);
  if (!items.ok) return items;
  if (input.conclusion === 'pass' && input.items.some((i) => !i.withinSpec))
    return fail({
      code: 'invalid',
      field: 'conclusion',
      message: 'a result is outside its specification: the conclusion cannot be pass',
      key: 'bank.error.passWithOos',
    });
  const signers = await checkCosigners(db, caller, input);
  if (!signers.ok) return signers;
  return transact(db, async (tx) => {
    const batch = await lockBankBatch(tx, input.batchId);
    if (!batch) return fail({ code: 'not_found' });
    if (input.releaseQuantity > batch.vialsAvailable + batch.vialsReserved)
      return fail({
        code: 'invalid',
        field: 'releaseQuantity',
        message: `the batch holds ${batch.vialsAvailable + batch.vialsReserved} vials`,
        key: 'bank.error.releaseQuantity',
      });
    if (input.conclusion === 'pass') {
      if (batch.releaseStatus !== 'quarantine' && batch.releaseStatus !== 'released')
        return fail({
          code: 'invalid',
          field: 'conclusion',
          message: `a ${batch.releaseStatus} batch is not released again`,
          key: 'bank.error.notReleasable',
        });
      const [intake] = await tx
        .select({ id: intakeTests.id })
        .from(intakeTests)
        .where(and(eq(intakeTests.batchId, batch.id), eq(intakeTests.conclusion, 'pass')))
        .limit(1);
      if (!intake)
        return fail({
          code: 'invalid',
          field: 'conclusion',
          message: 'no passing intake test yet',
          key: 'bank.error.noIntake',
        });
      const [open] = await tx
        .select({ id: bankDeviations.id })
        .from(bankDeviations)
        .where(and(eq(bankDeviations.batchId, batch.id), isNull(bankDeviations.closedAt)))
        .limit(1);
      if (open)
        return fail({
          code: 'invalid',
          field: 'conclusion',
          message: `deviation #${open.id} is open: assess it first`,
          key: 'bank.error.openDeviation',
          params: { id: String(open.id) },
        });
    }
    const signed = await cosign(
      tx,
      signers.value,
      { type: 'batch', id: batch.id },
      `release testing of batch ${batch.number}: ${input.conclusion}`,
    );
    if (!signed.ok) return signed;
    const [{ next }] = (
      await tx.execute<{ next: number }>(
        sql`SELECT coalesce(max(coa_version), 0)::int + 1 AS next FROM release_tests WHERE batch_id = ${batch.id}`,
      )
    ).rows as [{ next: number }];
    const [row] = await tx
      .insert(releaseTests)
      .values({
        batchId: batch.id,
        batchNumber: batch.number,
        cellType: input.cellType,
        productionDate: input.productionDate ?? batch.productionDate,
        releaseQuantity: input.releaseQuantity,
        basis: input.basis,
        testedAt: input.testedAt,
        conclusion: input.conclusion,
        coaVersion: next,
        ...signedColumns(signed.value),
      })
      .returning();
    await tx
      .insert(bankTestItems)
      .values(input.items.map((it, i) => ({ ...it, releaseTestId: row!.id, position: i + 1 })));
    const deviations = await flagOutOfSpec(tx, batch.id, 'release_test', { releaseTestId: row!.id }, input.items);
    const released = input.conclusion === 'pass';
    if (released) await generateCoa(tx, batch, row!, input.items);
    await recordAudit(tx, {
      actor: caller.id,
      action: 'batch.release_tested',
      entityType: 'batch',
      entityId: batch.id,
      before: { releaseStatus: batch.releaseStatus },
      after: {
        test: row!.id,
        conclusion: input.conclusion,
        coaVersion: next,
        releaseStatus: released ? 'released' : batch.releaseStatus,
        items: input.items,
        reviewer: signed.value.reviewer.id,
        signatures: [signed.value.operatorSignature.id, signed.value.reviewerSignature.id],
        deviations,
      },
    });
    return ok({ id: row!.id, coaVersion: next, released, deviations });
  });
}

/** The release's items become the batch's QC rows (what the public CoA shows); the batch is released. */
async function generateCoa(
  tx: Executor,
  batch: { id: number; lineId: number },
  release: ReleaseTest,
  items: TestItem[],
) {
  const digest = createHash('sha256')
    .update(JSON.stringify({ release: release.id, coaVersion: release.coaVersion, items }))
    .digest('hex');
  const testedOn = release.testedAt.toISOString().slice(0, 10);
  await tx.delete(qcResults).where(eq(qcResults.batchId, batch.id));
  await tx.insert(qcResults).values(
    items.map((it, i) => ({
      batchId: batch.id,
      test: it.item,
      method: it.method,
      specification: it.specification,
      result: it.result,
      outcome: it.withinSpec ? ('pass' as const) : ('fail' as const),
      testedOn,
      testedBy: release.operatorName,
      reviewedBy: release.reviewerName,
      position: i + 1,
    })),
  );
  await tx
    .update(batches)
    .set({
      releaseStatus: 'released',
      qcDigest: digest,
      entryVersion: sql`${batches.entryVersion} + 1`,
      updatedAt: new Date(),
    })
    .where(eq(batches.id, batch.id));
  await queueSearch(tx, batchAndLine(batch.id, batch.lineId));
}

async function flagOutOfSpec(
  tx: Executor,
  batchId: number,
  source: 'intake_test' | 'release_test',
  link: { intakeTestId?: number; releaseTestId?: number },
  items: TestItem[],
): Promise<number> {
  const out = items.filter((i) => !i.withinSpec);
  for (const i of out) {
    await tx.insert(bankDeviations).values({
      batchId,
      source,
      ...link,
      description: `${i.item} (${i.method}): result "${i.result}" outside the specification "${i.specification}"`,
    });
  }
  return out.length;
}

/** The CoA generated from a signed release: the latest passing one, or version `version`. Public: no names of donors, no positions. */
export async function coaFromRelease(db: Executor, batchId: number, version?: number) {
  const where = version
    ? and(eq(releaseTests.batchId, batchId), eq(releaseTests.coaVersion, version), eq(releaseTests.conclusion, 'pass'))
    : and(eq(releaseTests.batchId, batchId), eq(releaseTests.conclusion, 'pass'));
  const [release] = await db
    .select()
    .from(releaseTests)
    .where(where)
    .orderBy(sql`${releaseTests.coaVersion} DESC`)
    .limit(1);
  if (!release) return undefined;
  const items = await db
    .select()
    .from(bankTestItems)
    .where(eq(bankTestItems.releaseTestId, release.id))
    .orderBy(asc(bankTestItems.position));
  const versions = await db
    .select({ version: releaseTests.coaVersion })
    .from(releaseTests)
    .where(and(eq(releaseTests.batchId, batchId), eq(releaseTests.conclusion, 'pass')))
    .orderBy(asc(releaseTests.coaVersion));
  return { release, items, versions: versions.map((v) => v.version) };
}

/**
 * The public CoA of a bank batch by its number: the signed release's version,
 * date and signers, and its items as QC rows (an earlier `version` too).
 * Undefined for imported batches (their CoA is their imported QC).
 */
export async function publicCoaOf(db: Executor, batchNumber: string, version?: number) {
  const [batch] = await db
    .select({ id: batches.id })
    .from(batches)
    .where(and(sql`lower(${batches.number}) = lower(${batchNumber})`, eq(batches.qcSource, 'bank')));
  if (!batch) return undefined;
  const coa = await coaFromRelease(db, batch.id, version);
  if (!coa) return undefined;
  const testedOn = coa.release.testedAt.toISOString().slice(0, 10);
  return {
    version: coa.release.coaVersion,
    versions: coa.versions,
    testedOn,
    operator: coa.release.operatorName,
    reviewer: coa.release.reviewerName,
    qc: coa.items.map((i) => ({
      test: i.item,
      method: i.method,
      specification: i.specification,
      result: i.result,
      outcome: i.withinSpec ? ('pass' as const) : ('fail' as const),
      testedOn,
      testedBy: coa.release.operatorName,
      reviewedBy: coa.release.reviewerName,
    })),
  };
}
