/**
 * The outbound register (出库登记) and the transport register (运输登记) for a
 * date range, with every field of the specification, as CSV: UTF-8 with a
 * BOM so spreadsheet programs open Chinese correctly; headers in the chosen
 * language; dates and times in ISO 8601 (UTC).
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { translator, type Locale } from '#i18n/index.ts';
import { toCsv } from '#lib/csv.ts';
import { cellTypeText, deviationText } from './record-text.ts';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : '');

type Translate = ReturnType<typeof translator>;
interface SignatureCell {
  name: string;
  meaning: string;
  at: string;
}
interface DeviationCell {
  description: string;
  source: string;
  extreme_c: string | null;
  duration_seconds: number | null;
  min_c: string | null;
  max_c: string | null;
  closed_at: string | null;
  closed_by: string | null;
  assessment: string | null;
}

/** Every signature of a request's record (its own and its deviations'): meaning, printed name, UTC time. */
const signaturesJson = (
  requestId: ReturnType<typeof sql>,
) => sql`(SELECT json_agg(json_build_object('name', sg.signer_name, 'meaning', sg.meaning, 'at', sg.signed_at) ORDER BY sg.id)
  FROM signatures sg WHERE (sg.entity_type = 'request' AND sg.entity_id = ${requestId}::text)
     OR (sg.entity_type = 'deviation' AND sg.entity_id IN (SELECT dv.id::text FROM deviations dv WHERE dv.request_id = ${requestId})))`;

const deviationsJson = (
  where: ReturnType<typeof sql>,
) => sql`(SELECT json_agg(json_build_object('description', d.description, 'source', d.source, 'extreme_c', d.extreme_c, 'duration_seconds', d.duration_seconds,
    'min_c', sh.required_min_c, 'max_c', sh.required_max_c, 'closed_at', d.closed_at, 'closed_by', a.display_name, 'assessment', d.assessment) ORDER BY d.id)
  FROM deviations d LEFT JOIN accounts a ON a.id = d.closed_by LEFT JOIN shipments sh ON sh.id = d.shipment_id WHERE ${where})`;

function signaturesCell(t: Translate, list: SignatureCell[] | null): string {
  return (list ?? [])
    .map((s) =>
      t('request.signatureLine', {
        name: s.name,
        meaning: t(`request.signature.${s.meaning as 'approved'}`),
        time: iso(s.at),
      }),
    )
    .join('; ');
}

function deviationsCell(t: Translate, list: DeviationCell[] | null): string {
  return (list ?? [])
    .map(
      (d) =>
        `${deviationText(t, { description: d.description, source: d.source, extremeC: d.extreme_c, durationSeconds: d.duration_seconds }, d.min_c === null || d.max_c === null ? null : { requiredMinC: d.min_c, requiredMaxC: d.max_c })} [${d.closed_at ? t('request.deviation.closed', { name: d.closed_by ?? '', time: iso(d.closed_at), assessment: d.assessment ?? '' }) : t('request.deviation.open')}]`,
    )
    .join('; ');
}

export async function outboundRegisterCsv(db: Executor, from: string, to: string, locale: Locale): Promise<string> {
  const t = translator(locale);
  const rows = await db.execute<Record<string, unknown>>(sql`
    SELECT o.request_id, o.applicant_name, o.applicant_institution, o.applicant_contact, o.purpose, o.cell_type,
           (SELECT l.name FROM request_items i JOIN lines l ON l.id = i.line_id WHERE i.id = o.request_item_id) AS line_name,
           (SELECT l.category FROM request_items i JOIN lines l ON l.id = i.line_id WHERE i.id = o.request_item_id) AS category,
           o.batch_number, o.quantity, o.planned_date, o.actual_date, o.operator_name, o.reviewer_name, o.recorded_at,
           r.state, r.contact_phone, r.contact_email,
           ${signaturesJson(sql`o.request_id`)} AS signatures,
           ${deviationsJson(sql`d.request_id = o.request_id`)} AS deviations
    FROM outbound_records o JOIN requests r ON r.id = o.request_id
    WHERE o.actual_date >= ${from}::date AND o.actual_date <= ${to}::date
    ORDER BY o.actual_date, o.id`);
  const header = [
    t('request.col.id'),
    t('request.outbound.applicant'),
    t('request.field.institution'),
    t('request.field.contactPhone'),
    t('request.field.contactEmail'),
    t('request.field.purpose'),
    t('request.outbound.cellType'),
    t('request.col.batch'),
    t('request.transport.quantity'),
    t('request.field.plannedDate'),
    t('request.field.actualDate'),
    t('request.outbound.operator'),
    t('request.outbound.reviewer'),
    t('request.signatures'),
    t('request.deviation.heading'),
    t('request.col.state'),
  ];
  const body = rows.rows.map((r) => [
    String(r.request_id),
    String(r.applicant_name),
    String(r.applicant_institution),
    String(r.contact_phone),
    String(r.contact_email),
    String(r.purpose),
    r.line_name ? cellTypeText(t, String(r.line_name), r.category as string | null) : String(r.cell_type),
    String(r.batch_number),
    String(r.quantity),
    String(r.planned_date),
    String(r.actual_date),
    String(r.operator_name),
    String(r.reviewer_name),
    signaturesCell(t, r.signatures as SignatureCell[] | null),
    deviationsCell(t, r.deviations as DeviationCell[] | null),
    t(`request.state.${r.state as 'closed'}`),
  ]);
  return toCsv([header, ...body]);
}

export async function transportRegisterCsv(db: Executor, from: string, to: string, locale: Locale): Promise<string> {
  const t = translator(locale);
  const rows = await db.execute<Record<string, unknown>>(sql`
    SELECT s.*, (SELECT min(temp_c) FROM temperature_readings tr WHERE tr.shipment_id = s.id) AS min_c,
           (SELECT max(temp_c) FROM temperature_readings tr WHERE tr.shipment_id = s.id) AS max_c,
           (SELECT count(*) FROM temperature_readings tr WHERE tr.shipment_id = s.id) AS readings,
           ${deviationsJson(sql`d.shipment_id = s.id`)} AS deviations,
           ${signaturesJson(sql`s.request_id`)} AS signatures,
           rb.display_name AS recorded_by_name
    FROM shipments s LEFT JOIN accounts rb ON rb.id = s.recorded_by
    WHERE s.dispatch_at >= ${from}::date AND s.dispatch_at < (${to}::date + 1)
    ORDER BY s.dispatch_at, s.id`);
  const header = [
    t('request.col.id'),
    t('request.transport.dispatchAt'),
    t('request.transport.dispatchPlace'),
    t('request.transport.dispatchTemp'),
    t('request.transport.requiredMin'),
    t('request.transport.requiredMax'),
    t('request.transport.inTransit'),
    t('request.transport.arrivalAt'),
    t('request.transport.arrivalPlace'),
    t('request.transport.arrivalTemp'),
    t('request.transport.batchNumbers'),
    t('request.transport.quantity'),
    t('request.transport.device'),
    t('request.transport.vehicle'),
    t('request.transport.carrier'),
    t('request.transport.tracking'),
    t('request.transport.courier'),
    t('request.transport.receiver'),
    t('request.transport.recordedBy'),
    'SHA-256',
    t('request.deviation.heading'),
    t('request.signatures'),
  ];
  const body = rows.rows.map((r) => [
    String(r.request_id),
    iso(r.dispatch_at as Date),
    String(r.dispatch_place),
    String(r.dispatch_temp_c),
    String(r.required_min_c),
    String(r.required_max_c),
    Number(r.readings)
      ? t('request.transport.readingsRange', { count: String(r.readings), min: String(r.min_c), max: String(r.max_c) })
      : '',
    iso(r.arrival_at as Date | null),
    String(r.arrival_place ?? ''),
    r.arrival_temp_c === null ? '' : String(r.arrival_temp_c),
    String(r.batch_numbers),
    String(r.quantity),
    String(r.device_number),
    String(r.vehicle),
    String(r.carrier),
    String(r.tracking_number ?? ''),
    String(r.courier),
    String(r.receiver ?? ''),
    String(r.recorded_by_name ?? ''),
    String(r.logger_file_sha256 ?? ''),
    deviationsCell(t, r.deviations as DeviationCell[] | null),
    signaturesCell(t, r.signatures as SignatureCell[] | null),
  ]);
  return toCsv([header, ...body]);
}
