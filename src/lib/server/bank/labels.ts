/**
 * Labels for vials and boxes: a 2D barcode (DataMatrix, through bwip-js)
 * carrying the identifier, as SVG to print. The scan check of the outbound
 * (picking.ts) reads the same identifier back.
 */
import { toSVG } from 'bwip-js/node';
import { sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';

/** A DataMatrix symbol of `text` as an SVG element (no script, no external reference). */
export function dataMatrixSvg(text: string): string {
  return toSVG({ bcid: 'datamatrix', text, scale: 3, paddingwidth: 1, paddingheight: 1 });
}

export async function vialLabelsOf(db: Executor, batchNumber: string) {
  const r = await db.execute<{
    label: string;
    number: string;
    line: string;
    production_date: string | null;
    unit: string | null;
    rack: string | null;
    box: string | null;
    row: number | null;
    col: number | null;
  }>(sql`
    SELECT v.label, b.number, l.name AS line, b.production_date::text, u.code AS unit, k.code AS rack, x.code AS box, v.row, v.col
    FROM vials v JOIN batches b ON b.id = v.batch_id JOIN lines l ON l.id = b.line_id
    LEFT JOIN storage_boxes x ON x.id = v.box_id LEFT JOIN storage_racks k ON k.id = x.rack_id LEFT JOIN storage_units u ON u.id = k.unit_id
    WHERE lower(b.number) = lower(${batchNumber}) AND v.state = 'in_bank' ORDER BY v.id`);
  return r.rows;
}

/** A box's identifier on its label: unit/rack/box codes. */
export async function boxLabelOf(db: Executor, boxId: number) {
  const r = await db.execute<{ id: number; unit: string; rack: string; code: string; rows: number; cols: number }>(sql`
    SELECT b.id, u.code AS unit, r.code AS rack, b.code, b.rows, b.cols FROM storage_boxes b JOIN storage_racks r ON r.id = b.rack_id JOIN storage_units u ON u.id = r.unit_id WHERE b.id = ${boxId}`);
  const box = r.rows[0];
  return box ? { ...box, identifier: `BOX:${box.unit}/${box.rack}/${box.code}` } : undefined;
}
