/**
 * The bank's registers for a date range, as CSV (UTF-8 with BOM through
 * lib/csv.ts, like the outbound and transport registers of
 * requests/registers.ts): receipt (入库), storage (存储) and release (放行).
 * Headers carry both languages, the chosen one first; dates and times are
 * ISO 8601 (UTC).
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { translator, type Locale } from '#i18n/index.ts';
import type { MessageKey } from '#i18n/messages/index.ts';
import { toCsv } from '#lib/csv.ts';

const iso = (d: unknown) => (d ? new Date(d as string).toISOString() : '');
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

function headers(locale: Locale, keys: MessageKey[]): string[] {
  const first = translator(locale);
  const second = translator(locale === 'zh' ? 'en' : 'zh');
  return keys.map((k) => `${first(k)} / ${second(k)}`);
}

const signatureList = (ids: string) =>
  `(SELECT string_agg(s.signer_name || ' ' || s.meaning || ' ' || to_char(s.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '; ' ORDER BY s.id) FROM signatures s WHERE s.id IN (${ids}))`;

export async function receiptRegisterCsv(db: Executor, from: string, to: string, locale: Locale): Promise<string> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    SELECT r.*, ${sql.raw(signatureList('r.operator_signature_id, r.reviewer_signature_id'))} AS signatures,
      (SELECT count(*) FROM bank_receipt_readings x WHERE x.receipt_id = r.id) AS readings,
      (SELECT min(temp_c) FROM bank_receipt_readings x WHERE x.receipt_id = r.id) AS min_c,
      (SELECT max(temp_c) FROM bank_receipt_readings x WHERE x.receipt_id = r.id) AS max_c,
      (SELECT string_agg(d.description || CASE WHEN d.closed_at IS NULL THEN ' [open]' ELSE ' [closed: ' || d.assessment || ']' END, '; ' ORDER BY d.id) FROM bank_deviations d WHERE d.receipt_id = r.id) AS deviations
    FROM bank_receipts r WHERE r.handover_at >= ${from}::date AND r.handover_at < (${to}::date + 1) ORDER BY r.handover_at, r.id`);
  const head = headers(locale, [
    'bank.field.handoverAt',
    'bank.field.handoverPlace',
    'bank.field.dispatchedAt',
    'bank.field.arrivedAt',
    'bank.field.transportTemp',
    'bank.field.loggerFile',
    'bank.field.requiredMin',
    'bank.field.requiredMax',
    'bank.field.cellType',
    'bank.field.batchNumber',
    'bank.field.vials',
    'bank.field.cells',
    'bank.field.courier',
    'bank.field.receiver',
    'bank.field.reviewer',
    'bank.signatures',
    'bank.deviations',
  ]);
  const body = rows.rows.map((r) => [
    iso(r.handover_at),
    str(r.handover_place),
    iso(r.dispatched_at),
    iso(r.arrived_at),
    r.transport_temp_c !== null ? str(r.transport_temp_c) : `${r.readings} readings, ${r.min_c} … ${r.max_c} °C`,
    r.logger_file_name ? `${r.logger_file_name} (SHA-256 ${r.logger_file_sha256})` : '',
    str(r.required_min_c),
    str(r.required_max_c),
    str(r.cell_type),
    str(r.batch_number),
    str(r.vials),
    str(r.cells),
    str(r.courier),
    str(r.operator_name),
    str(r.reviewer_name),
    str(r.signatures),
    str(r.deviations),
  ]);
  return toCsv([head, ...body]);
}

export async function storageRegisterCsv(db: Executor, from: string, to: string, locale: Locale): Promise<string> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    SELECT o.*, b.number, u.code AS unit, u.kind AS unit_kind, ${sql.raw(signatureList('o.operator_signature_id, o.reviewer_signature_id'))} AS signatures,
      (SELECT string_agg(v.label || ': ' || coalesce(fu.code || '/' || fk.code || '/' || fx.code || ' ' || chr(64 + m.from_row) || m.from_col || ' -> ', '') ||
                          tu.code || '/' || tk.code || '/' || tx.code || ' ' || chr(64 + m.to_row) || m.to_col, '; ' ORDER BY m.id)
         FROM vial_moves m JOIN vials v ON v.id = m.vial_id
         JOIN storage_boxes tx ON tx.id = m.to_box_id JOIN storage_racks tk ON tk.id = tx.rack_id JOIN storage_units tu ON tu.id = tk.unit_id
         LEFT JOIN storage_boxes fx ON fx.id = m.from_box_id LEFT JOIN storage_racks fk ON fk.id = fx.rack_id LEFT JOIN storage_units fu ON fu.id = fk.unit_id
         WHERE m.operation_id = o.id) AS positions
    FROM storage_operations o JOIN batches b ON b.id = o.batch_id JOIN storage_units u ON u.id = o.unit_id
    WHERE o.started_at >= ${from}::date AND o.started_at < (${to}::date + 1) ORDER BY o.started_at, o.id`);
  const t = translator(locale);
  const head = headers(locale, [
    'bank.field.batchNumber',
    'bank.field.envTemp',
    'bank.field.startedAt',
    'bank.field.endedAt',
    'bank.field.unit',
    'bank.field.positions',
    'bank.field.operator',
    'bank.field.reviewer',
    'bank.signatures',
  ]);
  const body = rows.rows.map((r) => [
    str(r.number),
    str(r.env_temp_c),
    iso(r.started_at),
    iso(r.ended_at),
    `${r.unit} (${t(`bank.unitKind.${r.unit_kind as 'tank'}`)})`,
    str(r.positions),
    str(r.operator_name),
    str(r.reviewer_name),
    str(r.signatures),
  ]);
  return toCsv([head, ...body]);
}

export async function releaseRegisterCsv(db: Executor, from: string, to: string, locale: Locale): Promise<string> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    SELECT r.*, ${sql.raw(signatureList('r.operator_signature_id, r.reviewer_signature_id'))} AS signatures,
      (SELECT string_agg(i.item || ' (' || i.method || '): ' || i.result || ' [' || i.specification || ']' || CASE WHEN i.within_spec THEN '' ELSE ' OOS' END, '; ' ORDER BY i.position) FROM bank_test_items i WHERE i.release_test_id = r.id) AS items
    FROM release_tests r WHERE r.tested_at >= ${from}::date AND r.tested_at < (${to}::date + 1) ORDER BY r.tested_at, r.id`);
  const t = translator(locale);
  const head = headers(locale, [
    'bank.field.cellType',
    'bank.field.batchNumber',
    'bank.field.productionDate',
    'bank.field.releaseQuantity',
    'bank.field.basis',
    'bank.field.items',
    'bank.field.testedAt',
    'bank.field.conclusion',
    'bank.coaVersion',
    'bank.field.operator',
    'bank.field.reviewer',
    'bank.signatures',
  ]);
  const body = rows.rows.map((r) => [
    str(r.cell_type),
    str(r.batch_number),
    str(r.production_date),
    str(r.release_quantity),
    str(r.basis),
    str(r.items),
    iso(r.tested_at),
    t(`bank.conclusion.${r.conclusion as 'pass'}`),
    str(r.coa_version),
    str(r.operator_name),
    str(r.reviewer_name),
    str(r.signatures),
  ]);
  return toCsv([head, ...body]);
}
