/**
 * The canonical input of the catalog: one Zod schema per record kind (line,
 * batch, QC result), used by the importer for CSV/TSV/JSON and by anything
 * else that writes the catalog. Cells are strings (as files give them);
 * multi-valued cells use `;`, structured entries inside them use `|`.
 * docs/import-format.md documents every field.
 */
import { z } from 'zod';
import {
  availabilities,
  identifierSources,
  lineStatuses,
  modificationTypes,
  useRestrictions,
  zygosities,
} from '../../../db/schema/catalog.ts';
import { batchTypes, grades, qcOutcomes, releaseStatuses } from '../../../db/schema/batches.ts';
import { categoryNames, isHealthy, normaliseAgeBand, normaliseCategory, normaliseFeeder, normaliseSex } from './catalog-vocabulary.ts';

const MAX_TEXT = 2_000;

/** A cell: trimmed; empty means "not given". */
const cell = z
  .string()
  .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`)
  .transform((v) => v.trim())
  .optional()
  .transform((v) => (v ? v : undefined));

const required = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .transform((v) => v.trim())
    .pipe(z.string().min(1, `is required (${what})`).max(200, 'must be at most 200 characters'));

/** `a; b; c` (or a JSON array) -> ['a', 'b', 'c'] */
const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => {
    const items = Array.isArray(v) ? v : (v ?? '').split(';');
    return [...new Set(items.map((s) => s.trim()).filter(Boolean))];
  });

const oneOf = <T extends readonly string[]>(values: T, normalise: (v: string) => string = (v) => v.toLowerCase().replace(/[\s_]+/g, '_')) =>
  cell.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const n = normalise(v);
    if ((values as readonly string[]).includes(n)) return n as T[number];
    ctx.addIssue({ code: 'custom', message: `"${v}" is not one of ${values.join(', ')}` });
    return z.NEVER;
  });

const bool = cell.transform((v, ctx) => {
  if (v === undefined) return false;
  const n = v.toLowerCase();
  if (['1', 'true', 'yes', 'y'].includes(n)) return true;
  if (['0', 'false', 'no', 'n'].includes(n)) return false;
  ctx.addIssue({ code: 'custom', message: `"${v}" is not a yes/no value` });
  return z.NEVER;
});

function isRealDate(y: number, m: number, d: number) {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real date, not in the future. */
const partialDate = cell.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(v);
  const ok = m && Number(m[1]) >= 1950 && isRealDate(Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)) && v.slice(0, 10) <= new Date().toISOString().slice(0, 10);
  if (!ok) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a date (YYYY, YYYY-MM or YYYY-MM-DD, 1950 to today)` });
    return z.NEVER;
  }
  return v;
});

const fullDate = partialDate.transform((v, ctx) => {
  if (v !== undefined && v.length !== 10) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a full date (YYYY-MM-DD)` });
    return z.NEVER;
  }
  return v;
});

const count = (what: string) =>
  cell.transform((v, ctx) => {
    if (v === undefined) return 0;
    if (!/^\d+$/.test(v) || Number(v) > 1_000_000) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a whole number of ${what}` });
      return z.NEVER;
    }
    return Number(v);
  });

/** Splits `a|b|c` into exactly `n` trimmed parts (missing parts are empty). */
function parts(entry: string, n: number): string[] {
  const p = entry.split('|').map((s) => s.trim());
  while (p.length < n) p.push('');
  return p;
}

const identifierSourceByLower = new Map(identifierSources.map((s) => [s.toLowerCase(), s]));

const identifiers = list.transform((items, ctx) =>
  items.map((item) => {
    const at = item.indexOf(':');
    const rawSource = at > 0 ? item.slice(0, at).trim() : '';
    const value = at > 0 ? item.slice(at + 1).trim() : '';
    const source = identifierSourceByLower.get(rawSource.toLowerCase());
    if (!source || !value) {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not SOURCE:ID with SOURCE one of ${identifierSources.join(', ')}` });
    }
    return { source: source ?? rawSource, value };
  }),
);

const diseases = list.transform((items, ctx) =>
  items
    .map((item) => {
      const [name, ontologyId, note] = parts(item, 3);
      if (ontologyId && !/^[A-Za-z]+[:_][A-Za-z0-9]+$/.test(ontologyId)) {
        ctx.addIssue({ code: 'custom', message: `"${ontologyId}" is not an ontology id such as MONDO:0005180` });
      }
      return { name: name!, ontologyId: ontologyId || undefined, note: note || undefined };
    })
    .filter((d) => d.name && !isHealthy(d.name)),
);

const modifications = list.transform((items, ctx) =>
  items.map((item) => {
    const [type, gene, variant, zygosity] = parts(item, 4);
    const t = type!.toLowerCase();
    const z2 = (zygosity || 'unknown').toLowerCase();
    if (!(modificationTypes as readonly string[]).includes(t)) {
      ctx.addIssue({ code: 'custom', message: `"${type}" is not a modification type (${modificationTypes.join(', ')})` });
    }
    if (!(zygosities as readonly string[]).includes(z2)) {
      ctx.addIssue({ code: 'custom', message: `"${zygosity}" is not a zygosity (${zygosities.join(', ')})` });
    }
    return {
      type: t as (typeof modificationTypes)[number],
      gene: gene || undefined,
      variant: variant || undefined,
      zygosity: z2 as (typeof zygosities)[number],
    };
  }),
);

const characterisation = list.transform((items, ctx) =>
  items.map((item) => {
    const [test, method, result, outcome] = parts(item, 4);
    const o = outcome!.toLowerCase();
    if (!test || !result) ctx.addIssue({ code: 'custom', message: `"${item}" needs TEST|METHOD|RESULT|pass/fail` });
    if (o && o !== 'pass' && o !== 'fail') ctx.addIssue({ code: 'custom', message: `"${outcome}" is not pass or fail` });
    return { test: test!, method: method || undefined, result: result!, passed: o === '' ? undefined : o === 'pass' };
  }),
);

const restrictions = list.transform((items, ctx) =>
  items.map((item) => {
    const v = item.toLowerCase().replace(/[\s-]+/g, '_');
    if (!(useRestrictions as readonly string[]).includes(v)) {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not a use restriction (${useRestrictions.join(', ')})` });
    }
    return v;
  }),
);

const publications = list.transform((items, ctx) =>
  items.map((item) => {
    const v = item.replace(/^pmid:\s*/i, 'PMID:').replace(/^doi:\s*/i, 'doi:');
    if (!/^(PMID:\d+|doi:10\.\S+)$/.test(v)) ctx.addIssue({ code: 'custom', message: `"${item}" is not PMID:NNN or doi:10.xxx` });
    return v;
  }),
);

export const lineInput = z.object({
  name: required('the standard name').pipe(z.string().regex(/^[^;|\t\n]+$/, 'may not contain ; | or line breaks')),
  category: z
    .string({ error: 'is required' })
    .transform((v, ctx) => {
      const c = normaliseCategory(v);
      if (c) return c;
      ctx.addIssue({
        code: 'custom',
        message: v.trim() ? `unknown category "${v.trim()}" (use ipsc, hesc, msc, derived or other; also accepted: ${categoryNames.filter((n) => n.length < 6).join(', ')})` : 'is required',
      });
      return z.NEVER;
    }),
  status: oneOf(lineStatuses).transform((v) => v ?? 'published'),
  availability: oneOf(availabilities).transform((v) => v ?? 'available'),
  provider: cell,
  provider_country: cell,
  depositor: cell,
  generating_institute: cell,
  country: cell.pipe(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 two-letter code such as GB').optional()),
  derivation_date: partialDate,
  donor_code: cell,
  sex: cell.transform((v, ctx) => {
    const s = normaliseSex(v ?? '');
    if (s) return s;
    ctx.addIssue({ code: 'custom', message: `"${v}" is not female, male or unknown` });
    return z.NEVER;
  }),
  age_band: cell.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const band = normaliseAgeBand(v);
    if (band) return band;
    ctx.addIssue({ code: 'custom', message: `"${v}" is not an age band such as 45-49` });
    return z.NEVER;
  }),
  ethnicity: cell,
  hla: cell,
  diseases,
  synonyms: list,
  identifiers,
  source_tissue: cell,
  source_cell_type: cell,
  cell_type_ontology_id: cell,
  reprogramming_method: cell,
  vector_type: oneOf(['integrating', 'non-integrating', 'unknown'] as const, (v) => v.toLowerCase().replace(/[\s_]+/g, '-')),
  gmp: bool,
  xeno_free: bool,
  culture_medium: cell,
  culture_matrix: cell,
  feeder: cell.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const f = normaliseFeeder(v);
    if (f) return f;
    ctx.addIssue({ code: 'custom', message: `"${v}" is not feeder-free or feeder-dependent` });
    return z.NEVER;
  }),
  passage_method: cell,
  karyotype: cell,
  modifications,
  characterisation,
  consent_scope: cell,
  use_restrictions: restrictions,
  agreement: cell,
  publications,
  parent_line: cell,
  data_source: cell,
  demo: bool,
  synthetic: bool,
});

export type LineInput = z.input<typeof lineInput>;
export type LineRecord = z.output<typeof lineInput>;

export const batchInput = z.object({
  batch_number: required('the batch number').pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'may contain letters, digits and . _ / - only')),
  line: required('the standard name of its line'),
  type: oneOf(batchTypes).pipe(z.enum(batchTypes, { error: 'is required (master, working or distribution)' })),
  parent_batch: cell,
  passage: cell.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const n = Number(v.replace(/^p/i, ''));
    if (Number.isInteger(n) && n >= 0 && n < 1000) return n;
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a passage number` });
    return z.NEVER;
  }),
  production_date: fullDate,
  grade: oneOf(grades).pipe(z.enum(grades, { error: 'is required (research or clinical)' })),
  release_status: oneOf(releaseStatuses).transform((v) => v ?? 'quarantine'),
  vials_total: count('vials'),
  vials_available: count('vials'),
  vials_reserved: count('vials'),
  vials_shipped: count('vials'),
  storage_location: cell,
  demo: bool,
  synthetic: bool,
}).superRefine((b, ctx) => {
  if (b.vials_available + b.vials_reserved + b.vials_shipped > b.vials_total) {
    ctx.addIssue({ code: 'custom', path: ['vials_total'], message: `available + reserved + shipped (${b.vials_available + b.vials_reserved + b.vials_shipped}) exceeds the total (${b.vials_total})` });
  }
});

export type BatchRecord = z.output<typeof batchInput>;

export const qcInput = z.object({
  batch_number: required('the batch number'),
  test: required('the test name'),
  method: cell,
  specification: cell,
  result: required('the result'),
  outcome: oneOf(qcOutcomes).pipe(z.enum(qcOutcomes, { error: 'is required (pass, fail or pending)' })),
  tested_on: fullDate,
  tested_by: cell,
  reviewed_by: cell,
});

export type QcRecord = z.output<typeof qcInput>;

/** Column names of each kind, in the order docs and exports use. */
export const lineColumns = Object.keys(lineInput.shape);
export const batchColumns = ['batch_number', 'line', 'type', 'parent_batch', 'passage', 'production_date', 'grade', 'release_status', 'vials_total', 'vials_available', 'vials_reserved', 'vials_shipped', 'storage_location', 'demo', 'synthetic'];
export const qcColumns = Object.keys(qcInput.shape);
