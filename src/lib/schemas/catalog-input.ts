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
} from '#db/schema/catalog.ts';
import { batchTypes, grades, qcOutcomes, releaseStatuses } from '#db/schema/batches.ts';
import {
  categoryNames,
  isHealthy,
  normaliseAgeBand,
  normaliseCategory,
  normaliseFeeder,
  normaliseSex,
} from './catalog-vocabulary.ts';

const MAX_TEXT = 2_000;

type Ctx = z.core.$RefinementCtx;

/** Reads a cell: trimmed text, `undefined` when empty; `null` after reporting a non-text value. */
function readCell(v: unknown, ctx: Ctx): string | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    ctx.addIssue({ code: 'custom', message: 'must be text' });
    return null;
  }
  const t = v.trim();
  if (t.length > MAX_TEXT) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_TEXT} characters` });
    return null;
  }
  return t || undefined;
}

/**
 * A field read from one cell. Each field is a single transform (rather than
 * chained pipes): validation of 50,000-line files stays within a few seconds.
 * `check` returns the field's value, or reports an issue and returns z.NEVER.
 */
function field<T>(check: (value: string, ctx: Ctx) => T) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx): T | undefined => {
      const c = readCell(v, ctx);
      if (c === null) return z.NEVER;
      return c === undefined ? undefined : check(c, ctx);
    });
}

/** Like `field`, for values that must be given. */
function requiredField<T>(what: string, check: (value: string, ctx: Ctx) => T) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx): T => {
      const c = readCell(v, ctx);
      if (c === null) return z.NEVER;
      if (c === undefined) {
        ctx.addIssue({ code: 'custom', message: `is required (${what})` });
        return z.NEVER;
      }
      return check(c, ctx);
    });
}

function invalid(ctx: Ctx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER as never;
}

const cell = field((v) => v);

/** `a; b; c` (or a JSON array) -> ['a', 'b', 'c'], duplicates dropped. */
function listOf<T>(each: (item: string, ctx: Ctx) => T) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx): T[] => {
      if (v === undefined || v === null || v === '') return [];
      const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(';') : undefined;
      if (!items || items.some((s) => typeof s !== 'string'))
        return invalid(ctx, 'must be text separated by ; (or an array of text)');
      const seen: string[] = [];
      for (const s of items as string[]) {
        const t = s.trim();
        if (t && !seen.includes(t)) seen.push(t);
      }
      return seen.map((item) => each(item, ctx));
    });
}
const list = listOf((item) => item);

function requiredOneOf<T extends readonly string[]>(values: T) {
  return requiredField(values.join(', '), (v, ctx): T[number] => {
    const n = v.toLowerCase();
    return (values as readonly string[]).includes(n)
      ? (n as T[number])
      : invalid(ctx, `"${v}" is not one of ${values.join(', ')}`);
  });
}

function oneOf<T extends readonly string[]>(
  values: T,
  normalise: (v: string) => string = (v) => v.toLowerCase().replace(/[\s_]+/g, '_'),
) {
  return field((v, ctx): T[number] => {
    const n = normalise(v);
    return (values as readonly string[]).includes(n)
      ? (n as T[number])
      : invalid(ctx, `"${v}" is not one of ${values.join(', ')}`);
  });
}

const bool = z
  .unknown()
  .optional()
  .transform((v, ctx) => {
    if (typeof v === 'boolean') return v;
    const c = readCell(v, ctx);
    if (c === null) return z.NEVER;
    if (c === undefined) return false;
    const n = c.toLowerCase();
    if (['1', 'true', 'yes', 'y'].includes(n)) return true;
    if (['0', 'false', 'no', 'n'].includes(n)) return false;
    return invalid(ctx, `"${c}" is not a yes/no value`);
  });

function isRealDate(y: number, m: number, d: number) {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const today = () => new Date().toISOString().slice(0, 10);

/** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: a real date from 1950 to today. */
function checkDate(v: string, ctx: Ctx, full: boolean): string {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(v);
  const ok =
    m && Number(m[1]) >= 1950 && isRealDate(Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)) && v <= today();
  if (!ok)
    return invalid(ctx, `"${v}" is not a date (${full ? 'YYYY-MM-DD' : 'YYYY, YYYY-MM or YYYY-MM-DD'}, 1950 to today)`);
  if (full && v.length !== 10) return invalid(ctx, `"${v}" is not a full date (YYYY-MM-DD)`);
  return v;
}
const partialDate = field((v, ctx) => checkDate(v, ctx, false));
const fullDate = field((v, ctx) => checkDate(v, ctx, true));

const count = (what: string) =>
  field((v, ctx) =>
    /^\d+$/.test(v) && Number(v) <= 1_000_000 ? Number(v) : invalid(ctx, `"${v}" is not a whole number of ${what}`),
  ).transform((v) => v ?? 0);

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
      ctx.addIssue({
        code: 'custom',
        message: `"${item}" is not SOURCE:ID with SOURCE one of ${identifierSources.join(', ')}`,
      });
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
      ctx.addIssue({
        code: 'custom',
        message: `"${type}" is not a modification type (${modificationTypes.join(', ')})`,
      });
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
    if (o && o !== 'pass' && o !== 'fail')
      ctx.addIssue({ code: 'custom', message: `"${outcome}" is not pass or fail` });
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
    if (!/^(PMID:\d+|doi:10\.\S+)$/.test(v))
      ctx.addIssue({ code: 'custom', message: `"${item}" is not PMID:NNN or doi:10.xxx` });
    return v;
  }),
);

export const lineInput = z.object({
  name: requiredField('the standard name', (v, ctx) =>
    v.length > 200
      ? invalid(ctx, 'must be at most 200 characters')
      : /[;|]/.test(v)
        ? invalid(ctx, 'may not contain ; or |')
        : // Browsers resolve a `.` or `..` path segment (even encoded) before asking: no link could reach it.
          /^\.{1,2}$/.test(v)
          ? invalid(ctx, 'may not be "." or ".."')
          : v,
  ),
  category: requiredField('ipsc, hesc, msc, derived or other', (v, ctx) => {
    const c = normaliseCategory(v);
    if (c) return c;
    return invalid(
      ctx,
      `unknown category "${v}" (use ipsc, hesc, msc, derived or other; also accepted: ${categoryNames.filter((n) => n.length < 6).join(', ')})`,
    );
  }),
  status: oneOf(lineStatuses).transform((v) => v ?? 'published'),
  availability: oneOf(availabilities).transform((v) => v ?? 'available'),
  provider: cell,
  provider_country: cell,
  depositor: cell,
  generating_institute: cell,
  country: field((v, ctx) =>
    /^[A-Z]{2}$/.test(v) ? v : invalid(ctx, `"${v}" is not an ISO 3166 two-letter code such as GB`),
  ),
  derivation_date: partialDate,
  donor_code: cell,
  sex: field((v, ctx) => normaliseSex(v) ?? invalid(ctx, `"${v}" is not female, male or unknown`)).transform(
    (v) => v ?? 'unknown',
  ),
  age_band: field((v, ctx) => normaliseAgeBand(v) ?? invalid(ctx, `"${v}" is not an age band such as 45-49`)),
  ethnicity: cell,
  hla: cell,
  diseases,
  synonyms: list,
  identifiers,
  source_tissue: cell,
  source_cell_type: cell,
  cell_type_ontology_id: cell,
  reprogramming_method: cell,
  vector_type: oneOf(['integrating', 'non-integrating', 'unknown'] as const, (v) =>
    v.toLowerCase().replace(/[\s_]+/g, '-'),
  ),
  gmp: bool,
  xeno_free: bool,
  culture_medium: cell,
  culture_matrix: cell,
  feeder: field((v, ctx) => normaliseFeeder(v) ?? invalid(ctx, `"${v}" is not feeder-free or feeder-dependent`)),
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

export const batchInput = z
  .object({
    batch_number: requiredField('the batch number', (v, ctx) =>
      /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(v)
        ? v
        : invalid(ctx, `"${v}" may contain letters, digits and . _ / - only`),
    ),
    line: requiredField('the standard name of its line', (v) => v),
    type: requiredOneOf(batchTypes),
    parent_batch: cell,
    passage: field((v, ctx) => {
      const n = Number(v.replace(/^p/i, ''));
      return Number.isInteger(n) && n >= 0 && n < 1000 ? n : invalid(ctx, `"${v}" is not a passage number`);
    }),
    production_date: fullDate,
    grade: requiredOneOf(grades),
    release_status: oneOf(releaseStatuses).transform((v) => v ?? 'quarantine'),
    vials_total: count('vials'),
    vials_available: count('vials'),
    vials_reserved: count('vials'),
    vials_shipped: count('vials'),
    storage_location: cell,
    demo: bool,
    synthetic: bool,
  })
  .superRefine((b, ctx) => {
    if (b.vials_available + b.vials_reserved + b.vials_shipped > b.vials_total) {
      ctx.addIssue({
        code: 'custom',
        path: ['vials_total'],
        message: `available + reserved + shipped (${b.vials_available + b.vials_reserved + b.vials_shipped}) exceeds the total (${b.vials_total})`,
      });
    }
  });

export type BatchRecord = z.output<typeof batchInput>;

export const qcInput = z.object({
  batch_number: requiredField('the batch number', (v) => v),
  test: requiredField('the test name', (v) => v),
  method: cell,
  specification: cell,
  result: requiredField('the result', (v) => v),
  outcome: requiredOneOf(qcOutcomes),
  tested_on: fullDate,
  tested_by: cell,
  reviewed_by: cell,
});

export type QcRecord = z.output<typeof qcInput>;

/** Column names of each kind, in the order docs and exports use. */
export const lineColumns = Object.keys(lineInput.shape);
export const batchColumns = [
  'batch_number',
  'line',
  'type',
  'parent_batch',
  'passage',
  'production_date',
  'grade',
  'release_status',
  'vials_total',
  'vials_available',
  'vials_reserved',
  'vials_shipped',
  'storage_location',
  'demo',
  'synthetic',
];
export const qcColumns = Object.keys(qcInput.shape);
