/**
 * One trace, both ways (staff only). A batch's whole life as one timeline,
 * from its own records and the request chain's: receipt, intake testing,
 * storage and moves, location checks, release, deviations, each reservation,
 * outbound, shipment, receipt by the requester, recall, destruction; each
 * entry names its record, its signatures and where it links. And from a vial
 * or a request back to batch, line and donor code (the bank's pseudonym:
 * never the donor's identity, never on a public page).
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';

export type TimelineKind =
  | 'receipt'
  | 'intake_test'
  | 'storage'
  | 'location_check'
  | 'release_test'
  | 'deviation'
  | 'deviation_assessed'
  | 'reservation'
  | 'outbound'
  | 'shipment'
  | 'received_by_requester'
  | 'recall'
  | 'status'
  | 'destruction';

export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  /** The record: table and id (`bank_receipts#3`). */
  record: string;
  summary: string;
  /** Signatures: printed name, meaning, UTC time. */
  signatures: { name: string; meaning: string; at: Date }[];
  /** Where the record is shown: a staff page (a request, a box) or an anchor on the batch's record page (`#receipt-3`). */
  href?: string;
}

const sigs = (idsExpr: string) =>
  `(SELECT coalesce(json_agg(json_build_object('name', s.signer_name, 'meaning', s.meaning, 'at', s.signed_at) ORDER BY s.id), '[]') FROM signatures s WHERE s.id IN (${idsExpr}))`;

/** The batch's timeline, oldest first. */
export async function batchTimeline(db: Executor, batchId: number): Promise<TimelineEntry[]> {
  // The id is interpolated into one raw statement: only ever an integer.
  if (!Number.isSafeInteger(batchId)) return [];
  const r = await db.execute<{
    at: Date;
    kind: TimelineKind;
    record: string;
    summary: string;
    signatures: { name: string; meaning: string; at: string }[];
    href: string | null;
  }>(
    sql.raw(`
    SELECT handover_at AS at, 'receipt' AS kind, 'bank_receipts#' || id AS record,
      vials || ' vials; ' || handover_place || '; courier ' || courier || coalesce('; logger ' || logger_file_name, '') || coalesce('; ' || transport_temp_c || ' °C', '') AS summary,
      ${sigs('operator_signature_id, reviewer_signature_id')} AS signatures, '#receipt-' || id AS href
    FROM bank_receipts WHERE batch_id = ${batchId}
    UNION ALL
    SELECT recorded_at, 'intake_test', 'intake_tests#' || id, conclusion || '; ' || basis || '; tested ' || tested_count || ' of ' || cell_count,
      ${sigs('operator_signature_id, reviewer_signature_id')}, '#intake-' || id FROM intake_tests WHERE batch_id = ${batchId}
    UNION ALL
    SELECT o.started_at, 'storage', 'storage_operations#' || o.id,
      o.kind || ' ' || (SELECT count(*) FROM vial_moves m WHERE m.operation_id = o.id) || ' vial(s) in ' || u.code || '; ' || o.env_temp_c || ' °C',
      ${sigs('o.operator_signature_id, o.reviewer_signature_id')}, '/staff/storage/' || (SELECT min(m.to_box_id) FROM vial_moves m WHERE m.operation_id = o.id)
    FROM storage_operations o JOIN storage_units u ON u.id = o.unit_id WHERE o.batch_id = ${batchId}
    UNION ALL
    SELECT c.checked_at, 'location_check', 'location_checks#' || c.id, c.outcome || ' (' || c.expected_vials || ' vials in box)' || CASE WHEN c.notes <> '' THEN '; ' || c.notes ELSE '' END,
      ${sigs('c.operator_signature_id, c.reviewer_signature_id')}, '/staff/storage/' || c.box_id
    FROM location_checks c WHERE c.box_id IN (SELECT DISTINCT m.to_box_id FROM vial_moves m JOIN vials v ON v.id = m.vial_id WHERE v.batch_id = ${batchId})
    UNION ALL
    SELECT tested_at, 'release_test', 'release_tests#' || id, conclusion || '; CoA v' || coa_version || '; ' || release_quantity || ' vials; ' || basis,
      ${sigs('operator_signature_id, reviewer_signature_id')}, '#release-' || id FROM release_tests WHERE batch_id = ${batchId}
    UNION ALL
    SELECT detected_at, 'deviation', 'bank_deviations#' || id, source || ': ' || description, '[]'::json, '#deviation-' || id FROM bank_deviations WHERE batch_id = ${batchId}
    UNION ALL
    SELECT closed_at, 'deviation_assessed', 'bank_deviations#' || id, assessment, ${sigs('assessment_signature_id')}, '#deviation-' || id FROM bank_deviations WHERE batch_id = ${batchId} AND closed_at IS NOT NULL
    UNION ALL
    SELECT m.occurred_at, 'reservation', 'stock_movements#' || m.id, m.kind || ' ' || m.quantity || ' vial(s) for request #' || m.request_id, '[]'::json, '/staff/requests/' || m.request_id
    FROM stock_movements m WHERE m.batch_id = ${batchId} AND m.request_id IS NOT NULL AND m.kind IN ('reserved', 'unreserved')
    UNION ALL
    SELECT o.recorded_at, 'outbound', 'outbound_records#' || o.id, o.quantity || ' vial(s) for request #' || o.request_id || '; ' || o.applicant_institution,
      (SELECT coalesce(json_agg(json_build_object('name', s.signer_name, 'meaning', s.meaning, 'at', s.signed_at) ORDER BY s.id), '[]') FROM signatures s WHERE s.entity_type = 'request' AND s.entity_id = o.request_id::text AND s.meaning = 'executed'),
      '/staff/requests/' || o.request_id
    FROM outbound_records o WHERE o.batch_id = ${batchId}
    UNION ALL
    SELECT s.dispatch_at, 'shipment', 'shipments#' || s.id, s.quantity || ' vial(s); ' || s.carrier || '; device ' || s.device_number, '[]'::json, '/staff/requests/' || s.request_id
    FROM shipments s WHERE s.request_id IN (SELECT request_id FROM outbound_records WHERE batch_id = ${batchId})
    UNION ALL
    SELECT e.occurred_at, 'received_by_requester', 'request_events#' || e.id, 'request #' || e.request_id || ' received' || coalesce(': ' || e.body, ''), '[]'::json, '/staff/requests/' || e.request_id
    FROM request_events e WHERE e.kind = 'state' AND e.to_state = 'received' AND e.request_id IN (SELECT request_id FROM outbound_records WHERE batch_id = ${batchId})
    UNION ALL
    SELECT n.notified_at, 'recall', 'recall_notices#' || n.id, 'request #' || n.request_id || ': ' || n.reason || CASE WHEN n.acknowledged_at IS NULL THEN '' ELSE ' (acknowledged)' END, '[]'::json, '/staff/requests/' || n.request_id
    FROM recall_notices n WHERE n.batch_id = ${batchId}
    UNION ALL
    SELECT s.signed_at, 'status', 'signatures#' || s.id, coalesce(s.comment, ''), json_build_array(json_build_object('name', s.signer_name, 'meaning', s.meaning, 'at', s.signed_at)), NULL
    FROM signatures s WHERE s.entity_type = 'batch' AND s.entity_id = '${batchId}' AND s.meaning = 'batch_status'
    UNION ALL
    SELECT destroyed_at, 'destruction', 'destructions#' || id, quantity || ' vial(s): ' || reason, ${sigs('operator_signature_id, reviewer_signature_id')}, NULL FROM destructions WHERE batch_id = ${batchId}
    ORDER BY 1, 3`),
  );
  return r.rows.map((x) => ({
    at: new Date(x.at),
    kind: x.kind,
    record: x.record,
    summary: x.summary,
    signatures: x.signatures.map((s) => ({ name: s.name, meaning: s.meaning, at: new Date(s.at) })),
    href: x.href ?? undefined,
  }));
}

/** Last handling of a batch and the date its records must be kept to (seed 002 五: at least 30 years). */
export function retentionUntil(timeline: TimelineEntry[]): { lastHandling: Date; keepUntil: Date } | undefined {
  const last = timeline.reduce<Date | undefined>((m, e) => (!m || e.at > m ? e.at : m), undefined);
  if (!last) return undefined;
  const keep = new Date(last);
  keep.setUTCFullYear(keep.getUTCFullYear() + 30);
  return { lastHandling: last, keepUntil: keep };
}

export interface Trace {
  vial?: {
    label: string;
    state: string;
    unit: string | null;
    rack: string | null;
    box: string | null;
    boxId: number | null;
    row: number | null;
    col: number | null;
    requestId: number | null;
  };
  batch: { id: number; number: string; status: string; qcSource: string };
  line: { name: string };
  /** The bank's pseudonymous donor code (staff only). */
  donorCode: string | null;
}

/** From a vial's label back to its batch, line and donor code. */
export async function traceVial(db: Executor, label: string): Promise<Trace | undefined> {
  const r = await db.execute<Record<string, unknown>>(sql`
    SELECT v.label, v.state, v.box_id, v.row, v.col, v.request_id, u.code AS unit, k.code AS rack, x.code AS box,
           b.id AS batch_id, b.number, b.release_status, b.qc_source, l.name AS line, d.code AS donor
    FROM vials v JOIN batches b ON b.id = v.batch_id JOIN lines l ON l.id = b.line_id LEFT JOIN donors d ON d.id = l.donor_id
    LEFT JOIN storage_boxes x ON x.id = v.box_id LEFT JOIN storage_racks k ON k.id = x.rack_id LEFT JOIN storage_units u ON u.id = k.unit_id
    WHERE v.label = ${label.trim()}`);
  const x = r.rows[0];
  if (!x) return undefined;
  return {
    vial: {
      label: String(x.label),
      state: String(x.state),
      unit: (x.unit as string) ?? null,
      rack: (x.rack as string) ?? null,
      box: (x.box as string) ?? null,
      boxId: (x.box_id as number) ?? null,
      row: (x.row as number) ?? null,
      col: (x.col as number) ?? null,
      requestId: x.request_id == null ? null : Number(x.request_id),
    },
    batch: {
      id: Number(x.batch_id),
      number: String(x.number),
      status: String(x.release_status),
      qcSource: String(x.qc_source),
    },
    line: { name: String(x.line) },
    donorCode: (x.donor as string) ?? null,
  };
}

/** From a request back to the batches it holds or held, their lines and donor codes. */
export async function traceRequest(db: Executor, requestId: number): Promise<Trace[]> {
  const r = await db.execute<Record<string, unknown>>(sql`
    SELECT DISTINCT b.id AS batch_id, b.number, b.release_status, b.qc_source, l.name AS line, d.code AS donor
    FROM request_items i JOIN batches b ON b.id = i.batch_id JOIN lines l ON l.id = b.line_id LEFT JOIN donors d ON d.id = l.donor_id
    WHERE i.request_id = ${requestId}
    ORDER BY b.number`);
  return r.rows.map((x) => ({
    batch: {
      id: Number(x.batch_id),
      number: String(x.number),
      status: String(x.release_status),
      qcSource: String(x.qc_source),
    },
    line: { name: String(x.line) },
    donorCode: (x.donor as string) ?? null,
  }));
}
