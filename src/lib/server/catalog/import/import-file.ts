/**
 * Imports one file into the catalog, all or nothing.
 *
 * 1. read: CSV, TSV, JSON or Cellosaurus text, every record with its line number;
 * 2. validate every record (Zod) and the file as a whole (duplicates, references);
 *    any problem -> nothing is written, every problem is reported as
 *    `FILE:LINE: field: message`;
 * 3. write in one transaction (rolled back for a dry run).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { z } from 'zod';
import {
  batchColumns,
  batchInput,
  lineColumns,
  lineInput,
  qcColumns,
  qcInput,
  type BatchRecord,
  type LineRecord,
  type QcRecord,
} from '#schemas/catalog-input.ts';
import { mapCellosaurus, parseCellosaurusEntries } from './cellosaurus.ts';
import { CsvSyntaxError, parseCsv, parseTsv, type DelimitedRecord } from '#lib/delimited.ts';
import { jsonElementLines } from './json-lines.ts';
import { existingBatchNumbers, lineIdsByName, stockOf, writeBatches } from './write-batches.ts';
import { writeLines, type WriteCounts } from './write-lines.ts';

export const formats = ['csv', 'tsv', 'json', 'cellosaurus'] as const;
export type Format = (typeof formats)[number];
export type Kind = 'lines' | 'batches' | 'qc';

export interface Problem {
  line: number;
  field: string;
  message: string;
}

export interface ImportReport {
  file: string;
  format: Format;
  kinds: Kind[];
  records: number;
  counts: WriteCounts & { rejected: number };
  problems: Problem[];
  warnings: string[];
  /** Well-formed Cellosaurus entries left out (not human, not a stem cell line): the total and by reason. */
  skipped: number;
  skippedByReason: Record<string, number>;
  dryRun: boolean;
}

export class ImportUsageError extends Error {}

export function formatProblem(file: string, p: Problem): string {
  return `${file}:${p.line}: ${p.field}: ${p.message}`;
}

interface Row {
  line: number;
  kind: Kind;
  cells: Record<string, unknown>;
}

export function detectFormat(file: string, text: string): Format {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.json') return 'json';
  if (/^ID {3}\S/m.test(text.slice(0, 20_000)) && /^\/\//m.test(text)) return 'cellosaurus';
  throw new ImportUsageError(`cannot tell the format of ${file} from its name: pass --format csv|tsv|json|cellosaurus`);
}

const columnsByKind: Record<Kind, string[]> = { lines: lineColumns, batches: batchColumns, qc: qcColumns };

function kindOfHeader(header: string[]): Kind {
  if (header.includes('test')) return 'qc';
  if (header.includes('batch_number')) return 'batches';
  return 'lines';
}

function rowsFromDelimited(records: DelimitedRecord[], problems: Problem[]): Row[] {
  const [head, ...body] = records;
  if (!head) return [];
  const header = head.cells.map((c) => c.trim().toLowerCase());
  const kind = kindOfHeader(header);
  const known = new Set(columnsByKind[kind]);
  header.forEach((column, i) => {
    if (!known.has(column))
      problems.push({
        line: head.line,
        field: column || `column ${i + 1}`,
        message: `unknown column for a ${kind} file (see docs/import-format.md)`,
      });
  });
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column)) problems.push({ line: head.line, field: column, message: 'column appears twice' });
    seen.add(column);
  }
  return body.map((r) => {
    if (r.cells.length > header.length) {
      problems.push({
        line: r.line,
        field: 'row',
        message: `has ${r.cells.length} cells but the header has ${header.length} columns`,
      });
    }
    return { line: r.line, kind, cells: Object.fromEntries(header.map((h, i) => [h, r.cells[i] ?? ''])) };
  });
}

function rowsFromJson(text: string, problems: Problem[]): Row[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message.replace(/^JSON\.parse: /, '');
    const pos = Number(/position (\d+)/.exec(message)?.[1] ?? text.length);
    const line = text.slice(0, pos).split('\n').length;
    // A file cut short (an interrupted copy) is the usual cause: say so.
    const truncated = pos >= text.trimEnd().length;
    problems.push({
      line,
      field: 'json',
      message: truncated ? `the file ends in the middle of a value: it looks truncated (${message})` : message,
    });
    return [];
  }
  const groups: [Kind, unknown][] = Array.isArray(data)
    ? [['lines', data]]
    : data && typeof data === 'object'
      ? (['lines', 'batches', 'qc'] as const)
          .filter((k) => k in data)
          .map((k) => [k, (data as Record<string, unknown>)[k]])
      : [];
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    // Like an unknown CSV column: a misspelt group would otherwise vanish.
    for (const key of Object.keys(data)) {
      if (!['lines', 'batches', 'qc'].includes(key))
        problems.push({ line: 1, field: key, message: 'unknown group (expected "lines", "batches" or "qc")' });
    }
  }
  if (!groups.length) {
    problems.push({
      line: 1,
      field: 'json',
      message: 'expected an array of lines or an object with "lines", "batches" and/or "qc" arrays',
    });
    return [];
  }
  const positions = jsonElementLines(text);
  const rows: Row[] = [];
  for (const [kind, items] of groups) {
    if (!Array.isArray(items)) {
      problems.push({ line: 1, field: kind, message: 'must be an array' });
      continue;
    }
    const lines = positions.get(Array.isArray(data) ? '' : kind) ?? [];
    items.forEach((item, i) => {
      const line = lines[i] ?? 1;
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        problems.push({ line, field: kind, message: 'each entry must be an object' });
        return;
      }
      // Batches may carry their QC results inline: { ..., "qc": [ {...} ] }
      const { qc: inlineQc, ...rest } = item as Record<string, unknown>;
      const cells = kind === 'batches' ? rest : (item as Record<string, unknown>);
      const qc = kind === 'batches' ? inlineQc : undefined;
      const known = new Set(columnsByKind[kind]);
      for (const key of Object.keys(item)) {
        if (!known.has(key) && !(kind === 'batches' && key === 'qc'))
          problems.push({ line, field: key, message: `unknown field for ${kind} (see docs/import-format.md)` });
      }
      rows.push({ line, kind, cells: stringify(cells) });
      if (kind === 'batches' && qc !== undefined) {
        if (!Array.isArray(qc) || qc.some((q) => !q || typeof q !== 'object' || Array.isArray(q))) {
          problems.push({ line, field: 'qc', message: 'must be an array of objects' });
          return;
        }
        for (const q of qc)
          rows.push({
            line,
            kind: 'qc',
            cells: {
              batch_number: (cells as Record<string, unknown>).batch_number,
              ...stringify(q as Record<string, unknown>),
            },
          });
      }
    });
  }
  return rows;
}

/** JSON numbers and booleans are accepted where files carry text. */
function stringify(cells: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(cells).map(([k, v]) => [
      k,
      typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null ? '' : v,
    ]),
  );
}

const schemas: Record<Kind, z.ZodType> = { lines: lineInput, batches: batchInput, qc: qcInput };

export interface ImportOptions {
  format?: Format;
  dryRun?: boolean;
  /** The reason for recording changed vial counts of existing batches as `adjusted` stock movements. */
  adjustStock?: string;
  actor?: string;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export async function importFile(pool: pg.Pool, file: string, options: ImportOptions = {}): Promise<ImportReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ImportUsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return importText(pool, file, text, options);
}

export async function importText(
  pool: pg.Pool,
  file: string,
  text: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const format = options.format ?? detectFormat(file, text);
  const problems: Problem[] = [];
  const warnings: string[] = [];
  let skippedByReason: Record<string, number> = {};
  let rows: Row[];
  let cellosaurus = false;

  switch (format) {
    case 'csv':
      try {
        rows = rowsFromDelimited(parseCsv(text), problems);
      } catch (error) {
        if (!(error instanceof CsvSyntaxError)) throw error;
        problems.push({ line: error.line, field: 'csv', message: error.message });
        rows = [];
      }
      break;
    case 'tsv':
      rows = rowsFromDelimited(parseTsv(text), problems);
      break;
    case 'json':
      rows = rowsFromJson(text, problems);
      break;
    case 'cellosaurus': {
      // A malformed entry is an error, not a skip: only well-formed entries of
      // another species or category may be left out, or a damaged file would
      // import part of itself and say nothing.
      const parsed = parseCellosaurusEntries(text);
      problems.push(...parsed.problems);
      const mapped = mapCellosaurus(parsed.entries);
      skippedByReason = mapped.skipped;
      for (const r of mapped.renamed) warnings.push(`${file}: name shared by several entries, renamed: ${r}`);
      cellosaurus = true;
      rows = mapped.kept.map((m) => ({ line: m.line, kind: 'lines', cells: m.input as Record<string, unknown> }));
      break;
    }
  }

  // 1. every record on its own
  const lines: { line: number; record: LineRecord }[] = [];
  const batches: { line: number; record: BatchRecord }[] = [];
  const qc: { line: number; record: QcRecord }[] = [];
  const badRows = new Set(problems.map((p) => p.line));
  for (const row of rows) {
    const result = schemas[row.kind].safeParse(row.cells);
    if (!result.success) {
      badRows.add(row.line);
      for (const issue of result.error.issues) {
        problems.push({ line: row.line, field: issue.path.join('.') || row.kind, message: issue.message });
      }
      continue;
    }
    if (row.kind === 'lines') lines.push({ line: row.line, record: result.data as LineRecord });
    else if (row.kind === 'batches') batches.push({ line: row.line, record: result.data as BatchRecord });
    else qc.push({ line: row.line, record: result.data as QcRecord });
  }

  const client = await pool.connect();
  try {
    // 2. the file as a whole
    const firstLineOf = new Map<string, number>();
    for (const { line, record } of lines) {
      const key = record.name.toLowerCase();
      const first = firstLineOf.get(key);
      if (first !== undefined) {
        badRows.add(line);
        problems.push({ line, field: 'name', message: `duplicate: "${record.name}" is already on line ${first}` });
      } else firstLineOf.set(key, line);
    }
    const fileLines = new Set(firstLineOf.keys());
    const referencedLines = [
      ...lines.flatMap((l) => (l.record.parent_line ? [l.record.parent_line] : [])),
      ...batches.map((b) => b.record.line),
    ];
    const knownLines = await lineIdsByName(
      client,
      referencedLines.filter((n) => !fileLines.has(n.toLowerCase())),
    );
    const lineExists = (name: string) => fileLines.has(name.toLowerCase()) || knownLines.has(name.toLowerCase());
    for (const { line, record } of lines) {
      if (!record.parent_line || lineExists(record.parent_line)) continue;
      if (cellosaurus) {
        warnings.push(
          `${file}:${line}: parent_line: "${record.parent_line}" is not in the catalog; the link is left out`,
        );
        record.parent_line = undefined;
      } else {
        badRows.add(line);
        problems.push({
          line,
          field: 'parent_line',
          message: `"${record.parent_line}" is neither in this file nor in the catalog`,
        });
      }
    }
    const batchFirstLine = new Map<string, number>();
    for (const { line, record } of batches) {
      const key = record.batch_number.toLowerCase();
      const first = batchFirstLine.get(key);
      if (first !== undefined) {
        badRows.add(line);
        problems.push({
          line,
          field: 'batch_number',
          message: `duplicate: "${record.batch_number}" is already on line ${first}`,
        });
      } else batchFirstLine.set(key, line);
      if (!lineExists(record.line)) {
        badRows.add(line);
        problems.push({ line, field: 'line', message: `"${record.line}" is neither in this file nor in the catalog` });
      }
    }
    const knownBatches = await existingBatchNumbers(client, [
      ...qc.map((q) => q.record.batch_number),
      ...batches.flatMap((b) => (b.record.parent_batch ? [b.record.parent_batch] : [])),
    ]);
    const batchExists = (n: string) => batchFirstLine.has(n.toLowerCase()) || knownBatches.has(n.toLowerCase());
    for (const { line, record } of batches) {
      if (record.parent_batch && !batchExists(record.parent_batch)) {
        badRows.add(line);
        problems.push({
          line,
          field: 'parent_batch',
          message: `"${record.parent_batch}" is neither in this file nor in the catalog`,
        });
      }
    }
    for (const { line, record } of qc) {
      if (!batchExists(record.batch_number)) {
        badRows.add(line);
        problems.push({
          line,
          field: 'batch_number',
          message: `"${record.batch_number}" is neither in this file nor in the catalog`,
        });
      }
    }

    // Stock is kept by the ledger: a re-import may not move it silently.
    for (const problem of await checkStockChanges(client, batches, options.adjustStock)) {
      badRows.add(problem.line);
      problems.push(problem);
    }

    const kinds = [...new Set(rows.map((r) => r.kind))];
    const report: ImportReport = {
      file,
      format,
      kinds,
      records: rows.length,
      counts: { inserted: 0, updated: 0, unchanged: 0, rejected: badRows.size },
      problems: problems.sort((a, b) => a.line - b.line),
      warnings,
      skipped: Object.values(skippedByReason).reduce((a, b) => a + b, 0),
      skippedByReason,
      dryRun: Boolean(options.dryRun),
    };
    if (problems.length) return report;

    // 3. write, all or nothing
    const total = lines.length + batches.length + qc.length;
    const actor = options.actor ?? 'import';
    await client.query('BEGIN');
    try {
      const lineCounts = await writeLines(
        client,
        lines.map((l) => l.record),
        {
          actor,
          onProgress: (done) => options.onProgress?.('writing', done, total),
        },
      );
      const qcByBatch = new Map<string, QcRecord[]>();
      for (const { record } of qc) {
        const list = qcByBatch.get(record.batch_number) ?? [];
        list.push(record);
        qcByBatch.set(record.batch_number, list);
      }
      const batchCounts = await writeBatches(
        client,
        batches.map((b) => b.record),
        qcByBatch,
        {
          actor,
          adjustStock: options.adjustStock,
          onProgress: (done) => options.onProgress?.('writing', lines.length + done, total),
        },
      );
      for (const key of ['inserted', 'updated', 'unchanged'] as const)
        report.counts[key] = lineCounts[key] + batchCounts[key];
      await client.query(options.dryRun ? 'ROLLBACK' : 'COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
    return report;
  } finally {
    client.release();
  }
}

type StockRow = {
  number: string;
  imported_stock: Record<string, number> | null;
  vials_available: number;
  vials_reserved: number;
  vials_shipped: number;
};

/**
 * Compares each existing batch's stock in the file with what the last import
 * said (not with the live counters, which move with reservations). A change
 * is refused, naming the batch, unless `adjustStock` gives a reason; even
 * then only available vials (and the total with them) can be adjusted:
 * reserved and shipped vials belong to requests.
 */
async function checkStockChanges(
  client: pg.ClientBase,
  batches: { line: number; record: BatchRecord }[],
  adjustStock: string | undefined,
): Promise<Problem[]> {
  if (!batches.length) return [];
  const { rows } = await client.query<StockRow>(
    'SELECT number, imported_stock, vials_available, vials_reserved, vials_shipped FROM batches WHERE lower(number) = ANY($1::text[])',
    [batches.map((b) => b.record.batch_number.toLowerCase())],
  );
  const byNumber = new Map(rows.map((r) => [r.number.toLowerCase(), r]));
  const problems: Problem[] = [];
  for (const { line, record } of batches) {
    const old = byNumber.get(record.batch_number.toLowerCase());
    if (!old?.imported_stock) continue;
    const was = old.imported_stock;
    const now = stockOf(record);
    const changed = (Object.keys(now) as (keyof typeof now)[]).filter((k) => now[k] !== was[k]);
    if (!changed.length) continue;
    const name = `batch "${record.batch_number}"`;
    const said = changed.map((k) => `${k} ${was[k]} -> ${now[k]}`).join(', ');
    if (!adjustStock) {
      problems.push({
        line,
        field: changed[0]!,
        message: `${name}: the file changes its stock (${said}) since the last import; stock moves through the ledger (live: ${old.vials_available} available, ${old.vials_reserved} reserved, ${old.vials_shipped} shipped), so an import does not overwrite it. To add or remove vials, import again with --adjust-stock "REASON"`,
      });
      continue;
    }
    const delta = now.vials_available - was.vials_available!;
    if (now.vials_reserved !== was.vials_reserved || now.vials_shipped !== was.vials_shipped) {
      problems.push({
        line,
        field: now.vials_reserved !== was.vials_reserved ? 'vials_reserved' : 'vials_shipped',
        message: `${name}: reserved and shipped vials belong to requests; an import cannot change them (${said})`,
      });
    } else if (now.vials_total - was.vials_total! !== delta) {
      problems.push({
        line,
        field: 'vials_total',
        message: `${name}: vials_total and vials_available must change by the same number to adjust stock (${said})`,
      });
    } else if (old.vials_available + delta < 0) {
      problems.push({
        line,
        field: 'vials_available',
        message: `${name}: removing ${-delta} vials would leave ${old.vials_available + delta} available (live: ${old.vials_available} available)`,
      });
    }
  }
  return problems;
}
