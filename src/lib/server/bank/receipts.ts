/**
 * 入库信息: a batch's vials handed over to the bank (seed 002 三(四) 1). The
 * receipt creates the batch as the bank's own (`qc_source = 'bank'`, in
 * quarantine until a signed release), its vials with their labels, and the
 * opening stock as one `received` movement of the ledger. The transport
 * temperature is typed, or read from the logger's file (requests/logger-file.ts);
 * readings outside the required range become deviations, flagged and open
 * until a signed assessment.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { bankDeviations, bankReceiptReadings, bankReceipts, vials, type BankReceipt } from '#db/schema/bank.ts';
import { batches, type batchTypes, type grades } from '#db/schema/batches.ts';
import { moveStock } from '#server/catalog/stock.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { fail, ok, transact, type Caller, type Result } from '#server/requests/core.ts';
import { findExcursions, parseLoggerFile, type Reading } from '#server/requests/logger-file.ts';
import { isEmptyRange, outsideRange } from '#lib/temperature-range.ts';
import { checkCosigners, cosign, signedColumns, type CosignInput } from './cosign.ts';

export interface ReceiptInput extends CosignInput {
  line: string;
  batchNumber: string;
  batchType: (typeof batchTypes)[number];
  grade: (typeof grades)[number];
  passage?: number | null;
  productionDate?: string | null;
  cellType: string;
  handoverAt: Date;
  handoverPlace: string;
  dispatchedAt: Date;
  arrivedAt: Date;
  transportTempC?: number | null;
  requiredMinC: number;
  requiredMaxC: number;
  loggerFile?: { name: string; text: string } | null;
  vials: number;
  cells?: number | null;
  courier: string;
  /** Demo data (seed/bank-demo.ts): marked as such on every page. */
  demo?: boolean;
}

/** The identifier a vial's label and barcode carry: batch number and a running number. */
export function vialLabel(batchNumber: string, n: number): string {
  return `${batchNumber}-V${String(n).padStart(4, '0')}`;
}

export async function receiveBatch(
  db: Database,
  caller: Caller,
  input: ReceiptInput,
): Promise<Result<{ receipt: BankReceipt; batchId: number; deviations: number }>> {
  if (input.dispatchedAt > input.arrivedAt)
    return fail({
      code: 'invalid',
      field: 'arrivedAt',
      message: 'arrival is before dispatch',
      key: 'bank.error.arrivalBeforeDispatch',
    });
  if (isEmptyRange(input))
    return fail({
      code: 'invalid',
      field: 'requiredMaxC',
      message: 'the required range is empty',
      key: 'bank.error.range',
    });
  if (input.transportTempC == null && !input.loggerFile)
    return fail({
      code: 'invalid',
      field: 'transportTempC',
      message: 'type the transport temperature or give the logger file',
      key: 'bank.error.temperature',
    });
  let readings: Reading[] = [];
  let serial: string | null = null;
  if (input.loggerFile) {
    const parsed = parseLoggerFile(input.loggerFile.text);
    if (!parsed.ok)
      return fail({
        code: 'invalid',
        field: 'loggerFile',
        message: `${input.loggerFile.name}:${parsed.line}: ${parsed.message}`,
      });
    readings = parsed.file.readings;
    serial = parsed.file.serial ?? null;
  }
  const signers = await checkCosigners(db, caller, input);
  if (!signers.ok) return signers;
  return transact(db, async (tx) => {
    const line = await tx.execute<{ id: number }>(
      sql`SELECT id FROM lines WHERE lower(name) = lower(${input.line.trim()})`,
    );
    const lineId = line.rows[0]?.id;
    if (!lineId)
      return fail({ code: 'invalid', field: 'line', message: `no line "${input.line}"`, key: 'bank.error.noLine' });
    const taken = await tx.execute(sql`SELECT 1 FROM batches WHERE lower(number) = lower(${input.batchNumber.trim()})`);
    if (taken.rows.length)
      return fail({
        code: 'invalid',
        field: 'batchNumber',
        message: `batch "${input.batchNumber}" already exists`,
        key: 'bank.error.batchExists',
      });
    const number = input.batchNumber.trim();
    // The batch's id is drawn first: both signatures name it, and nothing is written unless both hold.
    const drawn = await tx.execute<{ id: number }>(
      sql`SELECT nextval(pg_get_serial_sequence('batches', 'id'))::int AS id`,
    );
    const batchId = drawn.rows[0]!.id;
    const signed = await cosign(tx, signers.value, { type: 'batch', id: batchId }, `receipt of batch ${number}`);
    if (!signed.ok) return fail(signed.failure);
    const c = signed.value;
    const record = {
      number,
      line: input.line,
      type: input.batchType,
      grade: input.grade,
      passage: input.passage ?? null,
      productionDate: input.productionDate ?? null,
    };
    await tx.insert(batches).values({
      id: batchId,
      number,
      lineId,
      type: input.batchType,
      grade: input.grade,
      passage: input.passage ?? null,
      productionDate: input.productionDate ?? null,
      releaseStatus: 'quarantine',
      qcSource: 'bank',
      demo: input.demo ?? false,
      recordDigest: createHash('sha256').update(JSON.stringify(record)).digest('hex'),
    });
    const text = input.loggerFile?.text ?? null;
    const [receipt] = await tx
      .insert(bankReceipts)
      .values({
        batchId,
        batchNumber: number,
        cellType: input.cellType,
        handoverAt: input.handoverAt,
        handoverPlace: input.handoverPlace,
        dispatchedAt: input.dispatchedAt,
        arrivedAt: input.arrivedAt,
        transportTempC: input.transportTempC == null ? null : String(input.transportTempC),
        requiredMinC: String(input.requiredMinC),
        requiredMaxC: String(input.requiredMaxC),
        loggerFileName: input.loggerFile?.name ?? null,
        loggerFileSha256: text === null ? null : createHash('sha256').update(text, 'utf8').digest('hex'),
        loggerFile: text,
        loggerSerial: serial,
        vials: input.vials,
        cells: input.cells ?? null,
        courier: input.courier,
        ...signedColumns(c),
      })
      .returning();
    for (let i = 0; i < readings.length; i += 5_000) {
      await tx
        .insert(bankReceiptReadings)
        .values(
          readings.slice(i, i + 5_000).map((r) => ({ receiptId: receipt!.id, at: r.at, tempC: String(r.tempC) })),
        );
    }
    const labels = Array.from({ length: input.vials }, (_, i) => vialLabel(number, i + 1));
    await tx.insert(vials).values(labels.map((label) => ({ label, batchId, receiptId: receipt!.id })));
    const moved = await moveStock(tx, {
      batchId,
      kind: 'received',
      quantity: input.vials,
      actor: caller.id,
      reason: `bank receipt #${receipt!.id}`,
    });
    if (!moved.ok) throw new Error(`receipt: the ledger refused the opening stock of ${number}`);
    const deviations = await flagTransportDeviations(tx, receipt!, readings, input.transportTempC ?? null);
    await recordAudit(tx, {
      actor: caller.id,
      action: 'batch.received',
      entityType: 'batch',
      entityId: batchId,
      after: {
        ...record,
        receipt: receipt!.id,
        vials: input.vials,
        operator: c.operator.id,
        reviewer: c.reviewer.id,
        signatures: [c.operatorSignature.id, c.reviewerSignature.id],
        deviations,
      },
    });
    return ok({ receipt: receipt!, batchId, deviations });
  });
}

/** Readings (or the typed temperature) outside the required range: one open deviation each. */
async function flagTransportDeviations(
  tx: Executor,
  receipt: BankReceipt,
  readings: Reading[],
  typed: number | null,
): Promise<number> {
  const min = Number(receipt.requiredMinC);
  const max = Number(receipt.requiredMaxC);
  let count = 0;
  for (const e of findExcursions(readings, receipt)) {
    await tx.insert(bankDeviations).values({
      batchId: receipt.batchId,
      source: 'receipt_logger',
      receiptId: receipt.id,
      description: `transport temperature ${e.side} the required range (${min} to ${max} °C) for ${e.durationSeconds} s, extreme ${e.extremeC} °C`,
      startedAt: e.start,
      endedAt: e.end,
      durationSeconds: e.durationSeconds,
      extremeC: String(e.extremeC),
    });
    count++;
  }
  if (typed !== null && outsideRange(typed, receipt)) {
    await tx.insert(bankDeviations).values({
      batchId: receipt.batchId,
      source: 'receipt_temperature',
      receiptId: receipt.id,
      description: `typed transport temperature ${typed} °C outside the required range (${min} to ${max} °C)`,
      extremeC: String(typed),
    });
    count++;
  }
  return count;
}
