/**
 * Writes validated line records inside the caller's transaction: inserts
 * new lines, updates changed ones (entry version + 1, audit before/after),
 * leaves unchanged ones alone, and queues every touched line for search.
 */
import type pg from 'pg';
import { recordAuditBulk } from '#server/platform/audit.ts';
import { queueSearchBulk } from '#server/platform/search-outbox.ts';
import type { LineRecord } from '#schemas/catalog-input.ts';
import { findDiseaseTerm } from '#schemas/disease-vocabulary.ts';
import { chunk, insertRows, type Column } from './bulk.ts';
import { digestOf } from './digest.ts';

export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface WriteContext {
  actor: string;
  /** Called after each chunk with the number of records handled so far. */
  onProgress?: (done: number) => void;
}

const CHUNK = 2_000;

/**
 * unnest cannot carry arrays of arrays, so text[] values travel joined by the
 * ASCII unit separator (never valid in a cell) and are split again in SQL.
 */
const UNIT = '\u001f';
const splitList = (expr: string) => `coalesce(string_to_array(nullif(${expr}, ''), E'\\x1f'), '{}')`;

const text = (name: string): Column => ({ name, type: 'text' });
const int = (name: string): Column => ({ name, type: 'int' });
const bool = (name: string): Column => ({ name, type: 'bool' });

/** Columns of `lines` written from a record, with the unnest type each travels as. */
const lineColumns: Column[] = [
  text('name'),
  text('category'),
  text('status'),
  text('availability'),
  int('provider_id'),
  text('depositor'),
  text('generating_institute'),
  text('country'),
  text('derivation_date'),
  int('donor_id'),
  text('source_tissue'),
  text('source_cell_type'),
  text('cell_type_ontology_id'),
  text('reprogramming_method'),
  text('vector_type'),
  bool('gmp'),
  bool('xeno_free'),
  text('culture_medium'),
  text('culture_matrix'),
  text('feeder'),
  text('passage_method'),
  text('karyotype'),
  text('consent_scope'),
  text('use_restrictions'),
  text('agreement'),
  text('data_source'),
  bool('demo'),
  bool('synthetic'),
  text('record'),
  text('record_digest'),
];
const lineValue = (c: Column) =>
  c.name === 'use_restrictions' ? splitList(`u.${c.name}`) : c.name === 'record' ? 'u.record::jsonb' : `u.${c.name}`;
const lineUnnest = `unnest(${lineColumns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')}) AS u(${lineColumns.map((c) => c.name).join(', ')})`;

type Existing = { id: number; name: string; record: LineRecord; record_digest: string };

export async function findExistingLines(client: pg.ClientBase, names: string[]): Promise<Map<string, Existing>> {
  const { rows } = await client.query<Existing>(
    'SELECT id, name, record, record_digest FROM lines WHERE lower(name) = ANY($1::text[])',
    [names.map((n) => n.toLowerCase())],
  );
  return new Map(rows.map((r) => [r.name.toLowerCase(), r]));
}

export async function writeLines(
  client: pg.ClientBase,
  records: LineRecord[],
  ctx: WriteContext,
): Promise<WriteCounts> {
  const counts: WriteCounts = { inserted: 0, updated: 0, unchanged: 0 };
  let done = 0;
  for (const part of chunk(records, CHUNK)) {
    await writeChunk(client, part, ctx, counts);
    done += part.length;
    ctx.onProgress?.(done);
  }
  await linkParents(client, records);
  return counts;
}

async function writeChunk(client: pg.ClientBase, records: LineRecord[], ctx: WriteContext, counts: WriteCounts) {
  const existing = await findExistingLines(
    client,
    records.map((r) => r.name),
  );
  const inserts: { record: LineRecord; digest: string }[] = [];
  const updates: { record: LineRecord; digest: string; before: LineRecord }[] = [];
  for (const record of records) {
    const digest = digestOf(record);
    const old = existing.get(record.name.toLowerCase());
    if (!old) inserts.push({ record, digest });
    else if (old.record_digest !== digest) updates.push({ record, digest, before: old.record });
    else counts.unchanged++;
  }
  if (!inserts.length && !updates.length) return;
  const touched = [...inserts, ...updates].map((t) => t.record);

  const providerIds = await upsertProviders(client, touched);
  const donorIds = await upsertDonors(client, touched);
  const diseaseIds = await upsertDiseases(client, touched);

  const rowOf = ({ record: r, digest }: { record: LineRecord; digest: string }) => [
    r.name,
    r.category,
    r.status,
    r.availability,
    r.provider ? providerIds.get(r.provider.toLowerCase()) : null,
    r.depositor,
    r.generating_institute,
    r.country,
    r.derivation_date,
    donorIds.get(donorKey(r)) ?? null,
    r.source_tissue,
    r.source_cell_type,
    r.cell_type_ontology_id,
    r.reprogramming_method,
    r.vector_type,
    r.gmp,
    r.xeno_free,
    r.culture_medium,
    r.culture_matrix,
    r.feeder,
    r.passage_method,
    r.karyotype,
    r.consent_scope,
    r.use_restrictions.join(UNIT),
    r.agreement,
    r.data_source,
    r.demo,
    r.synthetic,
    JSON.stringify(r),
    digest,
  ];
  const params = (rows: { record: LineRecord; digest: string }[]) => {
    const values = rows.map(rowOf);
    return lineColumns.map((_, c) => values.map((v) => v[c] ?? null));
  };

  const ids = new Map<string, number>();
  if (inserts.length) {
    const res = await client.query<{ id: number; name: string }>(
      `INSERT INTO lines (${lineColumns.map((c) => c.name).join(', ')})
       SELECT ${lineColumns.map(lineValue).join(', ')} FROM ${lineUnnest} RETURNING id, name`,
      params(inserts),
    );
    for (const r of res.rows) ids.set(r.name.toLowerCase(), r.id);
    counts.inserted += inserts.length;
  }
  if (updates.length) {
    const res = await client.query<{ id: number; name: string }>(
      `UPDATE lines l SET ${lineColumns.map((c) => `${c.name} = ${lineValue(c)}`).join(', ')},
         entry_version = l.entry_version + 1, updated_at = now()
       FROM ${lineUnnest} WHERE lower(l.name) = lower(u.name) RETURNING l.id, l.name`,
      params(updates),
    );
    for (const r of res.rows) ids.set(r.name.toLowerCase(), r.id);
    counts.updated += updates.length;
  }

  await replaceChildren(client, touched, ids, diseaseIds, donorIds);

  // A creation records the digest of what was created (the record itself is
  // the line's `record`, and the `before` of its first update); an update
  // records the whole record before and after.
  const idOf = (name: string) => ids.get(name.toLowerCase())!;
  await recordAuditBulk(client, [
    ...inserts.map((t) => ({
      actor: ctx.actor,
      action: 'line.created',
      entityType: 'line' as const,
      entityId: idOf(t.record.name),
      after: { name: t.record.name, entry_version: 1, record_digest: t.digest },
    })),
    ...updates.map((t) => ({
      actor: ctx.actor,
      action: 'line.updated',
      entityType: 'line' as const,
      entityId: idOf(t.record.name),
      before: t.before,
      after: t.record,
    })),
  ]);
  await queueSearchBulk(
    client,
    [...ids.values()].map((id) => ({ type: 'line', id })),
  );
}

/** Ids by lower-cased key, inserting the missing ones first. */
async function idsByKey(client: pg.ClientBase, select: string, keys: string[]): Promise<Map<string, number>> {
  const { rows } = await client.query<{ id: number; key: string }>(select, [
    [...new Set(keys.map((k) => k.toLowerCase()))],
  ]);
  return new Map(rows.map((r) => [r.key, r.id]));
}

async function upsertProviders(client: pg.ClientBase, records: LineRecord[]) {
  const byName = new Map(records.filter((r) => r.provider).map((r) => [r.provider!, r.provider_country ?? null]));
  if (!byName.size) return new Map<string, number>();
  await insertRows(
    client,
    'providers',
    [text('name'), text('country')],
    [...byName].map(([n, c]) => [n, c]),
    'ON CONFLICT DO NOTHING',
  );
  return idsByKey(client, 'SELECT id, lower(name) AS key FROM providers WHERE lower(name) = ANY($1::text[])', [
    ...byName.keys(),
  ]);
}

function canonicalDiseaseName(name: string): string {
  return findDiseaseTerm(name)?.en ?? name.trim();
}

async function upsertDiseases(client: pg.ClientBase, records: LineRecord[]) {
  const byName = new Map<string, string | undefined>();
  for (const d of records.flatMap((r) => r.diseases)) {
    const name = canonicalDiseaseName(d.name);
    if (!byName.has(name) || d.ontologyId) byName.set(name, d.ontologyId ?? byName.get(name));
  }
  if (!byName.size) return new Map<string, number>();
  const rows = [...byName].map(([name, ontologyId]) => {
    const term = findDiseaseTerm(name);
    return [name, term?.zh ?? null, ontologyId ?? term?.ontologyId ?? null, (term?.synonyms ?? []).join(UNIT)];
  });
  await client.query(
    `INSERT INTO diseases (name_en, name_zh, ontology_id, synonyms)
     SELECT n, z, o, ${splitList('s')} FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(n, z, o, s)
     ON CONFLICT DO NOTHING`,
    [0, 1, 2, 3].map((k) => rows.map((r) => r[k])),
  );
  return idsByKey(client, 'SELECT id, lower(name_en) AS key FROM diseases WHERE lower(name_en) = ANY($1::text[])', [
    ...byName.keys(),
  ]);
}

/** Lines without a donor code get a per-line pseudonym so sex and age band still have a home. */
function donorCode(r: LineRecord): string {
  return r.donor_code ?? `line:${r.name}`;
}
function donorKey(r: LineRecord): string {
  return donorCode(r).toLowerCase();
}

async function upsertDonors(client: pg.ClientBase, records: LineRecord[]): Promise<Map<string, number>> {
  // Several lines of one donor may each say part of what is known about the
  // donor: merge them, first given value wins, rather than letting the last
  // line blank out the others.
  type Donor = { code: string; sex: string; age_band?: string; ethnicity?: string; hla?: string };
  const byKey = new Map<string, Donor>();
  for (const r of records) {
    if (!r.donor_code && r.sex === 'unknown' && !r.age_band && !r.ethnicity && !r.hla) continue;
    const d = byKey.get(donorKey(r));
    if (!d) {
      byKey.set(donorKey(r), {
        code: donorCode(r),
        sex: r.sex,
        age_band: r.age_band,
        ethnicity: r.ethnicity,
        hla: r.hla,
      });
      continue;
    }
    if (d.sex === 'unknown') d.sex = r.sex;
    d.age_band ??= r.age_band;
    d.ethnicity ??= r.ethnicity;
    d.hla ??= r.hla;
  }
  if (!byKey.size) return new Map();
  const donors = [...byKey.values()];
  const { rows } = await client.query<{ id: number; key: string }>(
    `INSERT INTO donors (code, sex, age_band, ethnicity, hla)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (code) DO UPDATE SET
       sex = CASE WHEN excluded.sex = 'unknown' THEN donors.sex ELSE excluded.sex END,
       age_band = coalesce(excluded.age_band, donors.age_band),
       ethnicity = coalesce(excluded.ethnicity, donors.ethnicity), hla = coalesce(excluded.hla, donors.hla)
     RETURNING id, lower(code) AS key`,
    [
      donors.map((d) => d.code),
      donors.map((d) => d.sex),
      donors.map((d) => d.age_band ?? null),
      donors.map((d) => d.ethnicity ?? null),
      donors.map((d) => d.hla ?? null),
    ],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}

async function replaceChildren(
  client: pg.ClientBase,
  touched: LineRecord[],
  ids: Map<string, number>,
  diseaseIds: Map<string, number>,
  donorIds: Map<string, number>,
) {
  const lineIds = [...ids.values()];
  for (const table of [
    'line_synonyms',
    'line_identifiers',
    'line_diseases',
    'genetic_modifications',
    'characterisations',
    'publications',
  ]) {
    await client.query(`DELETE FROM ${table} WHERE line_id = ANY($1::int[])`, [lineIds]);
  }
  const idOf = (r: LineRecord) => ids.get(r.name.toLowerCase())!;
  const diseaseOf = (name: string) => diseaseIds.get(canonicalDiseaseName(name).toLowerCase());
  const insert = (table: string, columns: Column[], rows: unknown[][]) =>
    rows.length ? insertRows(client, table, columns, rows, 'ON CONFLICT DO NOTHING') : undefined;

  await insert(
    'line_synonyms',
    [int('line_id'), text('synonym')],
    touched.flatMap((r) => r.synonyms.filter((s) => s !== r.name).map((s) => [idOf(r), s])),
  );
  await insert(
    'line_identifiers',
    [int('line_id'), text('source'), text('value')],
    touched.flatMap((r) => r.identifiers.map((x) => [idOf(r), x.source, x.value])),
  );
  await insert(
    'line_diseases',
    [int('line_id'), int('disease_id'), text('note')],
    touched.flatMap((r) => r.diseases.map((d) => [idOf(r), diseaseOf(d.name), d.note ?? null])),
  );
  await insert(
    'donor_diseases',
    [int('donor_id'), int('disease_id')],
    touched.flatMap((r) => {
      const donor = donorIds.get(donorKey(r));
      return donor ? r.diseases.map((d) => [donor, diseaseOf(d.name)]) : [];
    }),
  );
  await insert(
    'genetic_modifications',
    [int('line_id'), text('type'), text('gene'), text('variant'), text('zygosity')],
    touched.flatMap((r) =>
      r.modifications.map((m) => [idOf(r), m.type, m.gene ?? null, m.variant ?? null, m.zygosity]),
    ),
  );
  await insert(
    'characterisations',
    [int('line_id'), text('test'), text('method'), text('result'), bool('passed')],
    touched.flatMap((r) =>
      r.characterisation.map((c) => [idOf(r), c.test, c.method ?? null, c.result, c.passed ?? null]),
    ),
  );
  await insert(
    'publications',
    [int('line_id'), text('reference')],
    touched.flatMap((r) => r.publications.map((p) => [idOf(r), p])),
  );
}

/** Parent links by name, once every line of the file exists. */
async function linkParents(client: pg.ClientBase, records: LineRecord[]) {
  const children = records.filter((r) => r.parent_line);
  if (children.length) {
    await client.query(
      `UPDATE lines c SET parent_line_id = p.id FROM unnest($1::text[], $2::text[]) AS u(child, parent)
       JOIN lines p ON lower(p.name) = lower(u.parent) WHERE lower(c.name) = lower(u.child) AND c.parent_line_id IS DISTINCT FROM p.id`,
      [children.map((r) => r.name), children.map((r) => r.parent_line)],
    );
  }
  const orphans = records.filter((r) => !r.parent_line).map((r) => r.name.toLowerCase());
  if (orphans.length) {
    await client.query(
      'UPDATE lines SET parent_line_id = NULL WHERE lower(name) = ANY($1::text[]) AND parent_line_id IS NOT NULL',
      [orphans],
    );
  }
}
