/**
 * The demo catalog: real public lines (HipSci, Allen Cell Collection),
 * well-known public hES/iPSC/MSC lines, demonstration lines and batches
 * (marked `demo`), loaded through the canonical importer; and the clinical
 * products table. Sources: docs/data-sources.md.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { loadClinicalProducts } from '#server/catalog/clinical.ts';
import { formatProblem, importFile } from '#server/catalog/import/import-file.ts';

const dataDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');

export const demoFiles = ['real-lines.tsv', 'well-known-lines.tsv', 'demo-batches.json'].map((f) =>
  path.join(dataDir, f),
);

export async function isCatalogEmpty(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query('SELECT NOT EXISTS (SELECT 1 FROM lines) AS empty');
  return rows[0].empty;
}

export async function loadDemoCatalog(pool: pg.Pool, log: (line: string) => void = () => {}): Promise<void> {
  for (const file of demoFiles) {
    const report = await importFile(pool, file, { actor: 'seed:demo' });
    if (report.problems.length) {
      throw new Error(
        `demo data does not import: ${report.problems
          .slice(0, 3)
          .map((p) => formatProblem(file, p))
          .join('; ')}`,
      );
    }
    log(
      `demo catalog: ${path.basename(file)}: ${report.counts.inserted} inserted, ${report.counts.updated} updated, ${report.counts.unchanged} unchanged`,
    );
  }
}

export async function loadClinicalReference(pool: pg.Pool, log: (line: string) => void = () => {}): Promise<void> {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM clinical_products');
  if (rows[0].n > 0) return;
  const n = await loadClinicalProducts(pool, await readFile(path.join(dataDir, 'clinical-products.tsv'), 'utf8'));
  log(`clinical products: ${n} loaded`);
}
