/** Seeds synthetic lines through the canonical importer (shared by seed:synthetic and bench). */
import type pg from 'pg';
import { syntheticFiles } from '#seed/synthetic.ts';
import { formatProblem, importText } from '#server/catalog/import/import-file.ts';
import { createProgress } from './progress.ts';

/** `withQc: false` leaves out the QC results (tests that need the shape of the catalog, not the certificates). */
export async function seedSyntheticLines(
  pool: pg.Pool,
  count: number,
  progress = createProgress(),
  options: { withQc?: boolean } = {},
) {
  const CHUNK = 10_000;
  const t0 = performance.now();
  const sum = { inserted: 0, updated: 0, unchanged: 0, seconds: 0 };
  for (let from = 0; from < count; from += CHUNK) {
    const files = syntheticFiles(from, Math.min(count, from + CHUNK));
    const parts = [
      ['lines', files.lines],
      ['batches', files.batches],
      ...(options.withQc === false ? [] : [['qc', files.qc]]),
    ] as const;
    for (const [name, text] of parts) {
      const report = await importText(pool, `synthetic-${name}-${from}.tsv`, text, {
        format: 'tsv',
        actor: 'seed:synthetic',
      });
      if (report.problems.length) throw new Error(formatProblem(report.file, report.problems[0]!));
      if (name === 'lines') for (const k of ['inserted', 'updated', 'unchanged'] as const) sum[k] += report.counts[k];
    }
    progress.update(Math.min(count, from + CHUNK), count, 'lines');
  }
  progress.done();
  sum.seconds = (performance.now() - t0) / 1000;
  return sum;
}
