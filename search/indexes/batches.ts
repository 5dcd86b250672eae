/**
 * The `batches` index: one document per batch of a published line, for
 * batch-number look-up and clinical-grade availability. No storage location.
 */
import type pg from 'pg';
import type { Settings } from 'meilisearch';
import { requestableVials } from '#lib/availability.ts';

export const BATCHES = 'batches';

export interface BatchDocument {
  id: number;
  number: string;
  line: string;
  line_category: string;
  type: string;
  grade: string;
  release_status: string;
  passage: number | null;
  production_date: string | null;
  /** Vials a researcher can request: 0 unless the batch is released (src/lib/availability.ts). */
  vials_available: number;
  qc_passed: boolean;
  demo: boolean;
}

export const batchSettings: Settings = {
  searchableAttributes: ['number', 'line'],
  filterableAttributes: ['grade', 'release_status', 'type', 'line', 'line_category', 'qc_passed'],
  sortableAttributes: ['number', 'production_date', 'vials_available'],
  typoTolerance: { enabled: false },
  facetSearch: false,
  proximityPrecision: 'byAttribute',
  // Above any catalog we expect: `total` counts every match, consistent with the facet counts (issue 20).
  pagination: { maxTotalHits: 10_000_000 },
};

type BatchRow = Omit<BatchDocument, 'qc_passed'> & { status: string; qc_failed: number };

const selectBatches = `
  SELECT b.id, b.number, l.name AS line, l.category AS line_category, l.status, b.type, b.grade, b.release_status,
         b.passage, b.production_date::text AS production_date, b.vials_available, b.demo,
         (SELECT count(*) FROM qc_results q WHERE q.batch_id = b.id AND q.outcome <> 'pass')::int AS qc_failed
  FROM batches b JOIN lines l ON l.id = b.line_id`;

function toBatchDocument({ status: _status, qc_failed, ...r }: BatchRow): BatchDocument {
  return {
    ...r,
    vials_available: requestableVials({ releaseStatus: r.release_status, vialsAvailable: r.vials_available }),
    qc_passed: qc_failed === 0,
  };
}

export async function loadBatchDocuments(
  db: pg.Pool | pg.PoolClient,
  ids: number[],
): Promise<{ documents: BatchDocument[]; removed: number[] }> {
  const { rows } = await db.query<BatchRow>(`${selectBatches} WHERE b.id = ANY($1::int[])`, [ids]);
  const documents = rows.filter((r) => r.status === 'published').map(toBatchDocument);
  const kept = new Set(documents.map((d) => d.id));
  return { documents, removed: ids.filter((id) => !kept.has(id)) };
}

export async function loadBatchDocumentPage(db: pg.Pool, after: number, limit: number): Promise<BatchDocument[]> {
  const { rows } = await db.query<BatchRow>(
    `${selectBatches} WHERE b.id > $1 AND l.status = 'published' ORDER BY b.id LIMIT $2`,
    [after, limit],
  );
  return rows.map(toBatchDocument);
}
