/**
 * The transport record (运输) of a shipped request, the data logger's file
 * read into temperature readings, and deviations: a temperature outside the
 * required range, typed or read, is flagged on the request, the timeline and
 * the register, and the request cannot close until a staff member signs an
 * assessment.
 */
import { transportRecordable, outboundOpen, dispatchShips, takesDeviations } from './states.ts';
import { createHash } from 'node:crypto';
import { asc, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import { deviations, requests, shipments, type Shipment } from '#db/schema/requests.ts';
import { recordAudit } from '#server/platform/audit.ts';
import {
  addEvent,
  chainFacts,
  changeState,
  fail,
  lockRequest,
  ok,
  transact,
  type Caller,
  type Result,
} from './core.ts';
import { findExcursions, parseLoggerFile } from './logger-file.ts';
import { isEmptyRange, outsideRange } from '#lib/temperature-range.ts';
import { checkPassword, sign } from './signatures.ts';

export interface TransportInput {
  dispatchAt: Date;
  dispatchPlace: string;
  dispatchTempC: number;
  requiredMinC: number;
  requiredMaxC: number;
  batchNumbers: string;
  quantity: number;
  deviceNumber: string;
  vehicle: string;
  carrier: string;
  courier: string;
  /** The carrier's tracking or waybill number. */
  trackingNumber?: string;
}

export interface ArrivalInput {
  arrivalAt: Date;
  arrivalPlace: string;
  arrivalTempC: number;
  receiver: string;
}

async function openDeviation(tx: Executor, caller: Caller, requestId: number, d: typeof deviations.$inferInsert) {
  const [row] = await tx.insert(deviations).values(d).returning();
  await tx
    .update(requests)
    .set({ openDeviations: sql`${requests.openDeviations} + 1` })
    .where(eq(requests.id, requestId));
  await recordAudit(tx, {
    actor: caller.id,
    action: 'deviation.flagged',
    entityType: 'deviation',
    entityId: row!.id,
    after: { request: requestId, source: d.source, description: d.description, extremeC: d.extremeC ?? null },
  });
  await addEvent(tx, {
    requestId,
    kind: 'deviation',
    caller,
    body: d.description,
    data: {
      deviation: row!.id,
      source: d.source,
      extremeC: d.extremeC ?? null,
      startedAt: d.startedAt ?? null,
      endedAt: d.endedAt ?? null,
    },
  });
}

/**
 * Records the dispatch (a request has one transport record) and makes the
 * request shipped: the state module refuses it until the reviewed outbound
 * let the vials leave. A dispatch temperature out of range is a deviation.
 */
export async function recordTransport(
  db: Database,
  caller: Caller,
  requestId: number,
  input: TransportInput,
): Promise<Result<Shipment>> {
  if (isEmptyRange(input))
    return fail({ code: 'invalid', field: 'requiredMaxC', message: 'the upper limit must be above the lower limit' });
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    if (!transportRecordable(request.state))
      return fail({ code: 'conflict', message: 'transport is recorded once the request is released' });
    if (outboundOpen(request.state, await chainFacts(tx, requestId)))
      return fail({ code: 'transition', error: { code: 'outbound_not_reviewed', from: 'released', to: 'shipped' } });
    const [existing] = await tx.select({ id: shipments.id }).from(shipments).where(eq(shipments.requestId, requestId));
    if (existing)
      return fail({ code: 'conflict', message: 'this request already has a transport record; correct it instead' });
    const [row] = await tx
      .insert(shipments)
      .values({
        requestId,
        ...input,
        dispatchTempC: String(input.dispatchTempC),
        requiredMinC: String(input.requiredMinC),
        requiredMaxC: String(input.requiredMaxC),
        recordedBy: caller.id,
      })
      .returning();
    await recordAudit(tx, {
      actor: caller.id,
      action: 'shipment.recorded',
      entityType: 'shipment',
      entityId: row!.id,
      after: { ...input, request: requestId },
    });
    await addEvent(tx, {
      requestId,
      kind: 'notice',
      caller,
      body: `${input.carrier} · ${input.deviceNumber}`,
      data: { shipment: row!.id, dispatchAt: input.dispatchAt.toISOString(), dispatchPlace: input.dispatchPlace },
    });
    if (outsideRange(input.dispatchTempC, row!)) {
      await openDeviation(tx, caller, requestId, {
        requestId,
        shipmentId: row!.id,
        source: 'dispatch',
        description: `dispatch temperature ${input.dispatchTempC} °C outside ${input.requiredMinC}…${input.requiredMaxC} °C`,
        extremeC: String(input.dispatchTempC),
        startedAt: input.dispatchAt,
      });
    }
    if (dispatchShips(request.state)) {
      const shipped = await changeState(tx, request, 'shipped', caller, {}, { data: { shipment: row!.id } });
      if (!shipped.ok) return shipped;
    }
    return ok(row!);
  });
}

/** Arrival fields, filled once on arrival (audited); an arrival temperature out of range is a deviation. */
export async function recordArrival(
  db: Database,
  caller: Caller,
  requestId: number,
  input: ArrivalInput,
): Promise<Result<Shipment>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    // A closed request may not get an open deviation (the database refuses it): say so, naming the field.
    if (!takesDeviations(request.state))
      return fail({
        code: 'invalid',
        field: 'requestId',
        message: 'the request is closed; a deviation cannot be added to it',
      });
    const [shipment] = await tx.select().from(shipments).where(eq(shipments.requestId, requestId)).for('update');
    if (!shipment) return fail({ code: 'conflict', message: 'record the dispatch first' });
    const before = {
      arrivalAt: shipment.arrivalAt,
      arrivalPlace: shipment.arrivalPlace,
      arrivalTempC: shipment.arrivalTempC,
      receiver: shipment.receiver,
    };
    const [row] = await tx
      .update(shipments)
      .set({ ...input, arrivalTempC: String(input.arrivalTempC) })
      .where(eq(shipments.id, shipment.id))
      .returning();
    await recordAudit(tx, {
      actor: caller.id,
      action: 'shipment.arrived',
      entityType: 'shipment',
      entityId: shipment.id,
      before,
      after: input,
      reason: shipment.arrivalAt ? 'correction of the arrival record' : null,
    });
    if (outsideRange(input.arrivalTempC, shipment)) {
      await openDeviation(tx, caller, requestId, {
        requestId,
        shipmentId: shipment.id,
        source: 'arrival',
        description: `arrival temperature ${input.arrivalTempC} °C outside ${shipment.requiredMinC}…${shipment.requiredMaxC} °C`,
        extremeC: String(input.arrivalTempC),
        startedAt: input.arrivalAt,
      });
    }
    return ok(row!);
  });
}

export type LoggerUpload = Result<{ readings: number; excursions: number }>;

/**
 * Stores the logger's file (with its SHA-256) and its readings, and flags
 * every excursion outside the required range as a deviation. A bad file
 * changes nothing and says which line.
 */
export async function uploadLoggerFile(
  db: Database,
  caller: Caller,
  requestId: number,
  file: { name: string; text: string },
): Promise<LoggerUpload> {
  const parsed = parseLoggerFile(file.text);
  if (!parsed.ok)
    return fail({ code: 'invalid', field: 'loggerFile', message: `${file.name}:${parsed.line}: ${parsed.message}` });
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    // A closed request may not get an open deviation (the database refuses it): say so, naming the field.
    if (!takesDeviations(request.state))
      return fail({
        code: 'invalid',
        field: 'requestId',
        message: 'the request is closed; a deviation cannot be added to it',
      });
    const [shipment] = await tx.select().from(shipments).where(eq(shipments.requestId, requestId)).for('update');
    if (!shipment) return fail({ code: 'conflict', message: 'record the dispatch first' });
    if (shipment.loggerFileSha256)
      return fail({ code: 'conflict', message: 'a logger file is already stored for this shipment' });
    const sha256 = createHash('sha256').update(file.text, 'utf8').digest('hex');
    await tx
      .update(shipments)
      .set({
        loggerFileName: file.name,
        loggerFile: file.text,
        loggerFileSha256: sha256,
        loggerSerial: parsed.file.serial ?? null,
        loggerFormat: parsed.file.format,
      })
      .where(eq(shipments.id, shipment.id));
    const readings = parsed.file.readings;
    for (let i = 0; i < readings.length; i += 5_000) {
      const part = readings.slice(i, i + 5_000);
      // One JSON parameter per chunk: drizzle would spread a JS array into a list of parameters.
      const json = JSON.stringify(part.map((r) => ({ at: r.at.toISOString(), t: r.tempC })));
      await tx.execute(sql`INSERT INTO temperature_readings (shipment_id, at, temp_c)
        SELECT ${shipment.id}, (r->>'at')::timestamptz, (r->>'t')::numeric FROM jsonb_array_elements(${json}::jsonb) AS r`);
    }
    const excursions = findExcursions(readings, shipment);
    await recordAudit(tx, {
      actor: caller.id,
      action: 'shipment.logger_uploaded',
      entityType: 'shipment',
      entityId: shipment.id,
      after: {
        file: file.name,
        sha256,
        serial: parsed.file.serial ?? null,
        format: parsed.file.format,
        readings: readings.length,
        excursions: excursions.length,
      },
    });
    for (const e of excursions) {
      await openDeviation(tx, caller, requestId, {
        requestId,
        shipmentId: shipment.id,
        source: 'logger',
        description: `${e.side === 'above' ? 'above' : 'below'} ${e.side === 'above' ? shipment.requiredMaxC : shipment.requiredMinC} °C for ${Math.round(e.durationSeconds / 60)} min, extreme ${e.extremeC} °C`,
        startedAt: e.start,
        endedAt: e.end,
        durationSeconds: e.durationSeconds,
        extremeC: String(e.extremeC),
      });
    }
    return ok({ readings: readings.length, excursions: excursions.length });
  });
}

/** Closes a deviation with a signed assessment (meaning: deviation closed). */
export async function closeDeviation(
  db: Database,
  caller: Caller,
  deviationId: number,
  input: { assessment: string; password: string },
): Promise<Result<void>> {
  if (!input.assessment.trim()) return fail({ code: 'invalid', field: 'assessment', message: 'write the assessment' });
  const signer = await checkPassword(db, caller, input.password);
  if (!signer.ok) return signer;
  return transact(db, async (tx) => {
    const [deviation] = await tx.select().from(deviations).where(eq(deviations.id, deviationId)).for('update');
    if (!deviation) return fail({ code: 'not_found' });
    const request = await lockRequest(tx, deviation.requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    if (deviation.closedAt) return fail({ code: 'conflict', message: 'this deviation is already closed' });
    const signature = await sign(
      tx,
      signer.value,
      'deviation_closed',
      { type: 'deviation', id: deviationId },
      input.assessment,
    );
    const now = new Date();
    await tx
      .update(deviations)
      .set({ assessment: input.assessment, closedBy: caller.id, closedAt: now })
      .where(eq(deviations.id, deviationId));
    await tx
      .update(requests)
      .set({ openDeviations: sql`${requests.openDeviations} - 1` })
      .where(eq(requests.id, request.id));
    await recordAudit(tx, {
      actor: caller.id,
      action: 'deviation.closed',
      entityType: 'deviation',
      entityId: deviationId,
      before: { assessment: null, closedAt: null },
      after: { assessment: input.assessment, closedAt: now.toISOString(), signature: signature.id },
    });
    await addEvent(tx, {
      requestId: request.id,
      kind: 'signature',
      caller,
      body: input.assessment,
      data: { deviationClosed: deviationId, signature: signature.id },
    });
    return ok(undefined);
  });
}

/** The stored logger file itself (up to LOGGER_FILE_MAX_BYTES, src/lib/limits.ts) stays out: pages show its name, digest and readings. */
const { loggerFile: _file, ...shownColumns } = getTableColumns(shipments);

export async function shipmentOf(db: Executor, requestId: number): Promise<Omit<Shipment, 'loggerFile'> | undefined> {
  const [row] = await db
    .select(shownColumns)
    .from(shipments)
    .where(eq(shipments.requestId, requestId))
    .orderBy(desc(shipments.id))
    .limit(1);
  return row;
}

/** The deviations of a request, each with the printed name of whoever signed its assessment. */
export async function deviationsOf(db: Executor, requestId: number) {
  const rows = await db
    .select({ deviation: deviations, closedByName: accounts.displayName })
    .from(deviations)
    .leftJoin(accounts, eq(accounts.id, deviations.closedBy))
    .where(eq(deviations.requestId, requestId))
    .orderBy(asc(deviations.id));
  return rows.map((r) => ({ ...r.deviation, closedByName: r.closedByName }));
}
