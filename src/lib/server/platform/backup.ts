/**
 * Backups that restore: every table of the database (found in the catalog,
 * so a table added later is included without touching this file), read in
 * one REPEATABLE READ transaction so the files agree with each other, as
 * PostgreSQL COPY text (plain, documented, readable without the portal);
 * the sequences; the search settings; the audit anchors. A manifest lists
 * every file with its row count and SHA-256.
 *
 * Restore checks the manifest against the files first, refuses a database
 * that already has tables, migrates it to the code's schema, loads the rows
 * exactly as they were (triggers off: the audit trail and the stock ledger
 * are append-only and would otherwise re-hash or re-apply them), sets the
 * sequences, and leaves the search index to be rebuilt from PostgreSQL.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Meilisearch } from 'meilisearch';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

export const MANIFEST = 'manifest.json';
const FORMAT = 'stem-cell-portal-backup/1';

export interface TableEntry {
  name: string;
  file: string;
  columns: string[];
  rows: number;
  bytes: number;
  sha256: string;
}

export interface FileEntry {
  file: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  createdAt: string;
  portalVersion: string;
  postgresVersion: string;
  /** Migrations applied to the database backed up; a restore needs code that knows at least these. */
  migrations: number;
  tables: TableEntry[];
  sequences: { name: string; value: string | null; isCalled: boolean }[];
  /** Search settings and audit anchors. */
  files: FileEntry[];
}

export type Progress = (step: string, done: number, total: number) => void;

/** Hashes and counts bytes as they pass. */
function digestStream() {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, result: () => ({ bytes, sha256: hash.digest('hex') }) };
}

async function digestFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const d = digestStream();
  // A sink: the digest stream only needs to be drained (an async generator is what pipeline takes as a final step).
  // biome-ignore lint/correctness/useYield: a sink yields nothing
  await pipeline(createReadStream(file), d.stream, async function* (source) {
    for await (const _ of source);
  });
  return d.result();
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function userTables(client: pg.ClientBase): Promise<{ name: string; columns: string[] }[]> {
  const { rows } = await client.query<{ name: string; columns: string[] }>(
    `SELECT c.relname AS name,
            array_agg(a.attname::text ORDER BY a.attnum) AS columns
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     GROUP BY c.relname ORDER BY c.relname`,
  );
  return rows;
}

async function appliedMigrations(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT CASE WHEN to_regclass('drizzle.__drizzle_migrations') IS NULL THEN 0 ELSE (SELECT count(*)::int FROM drizzle.__drizzle_migrations) END AS n`,
  );
  return rows[0]!.n;
}

/** Files of DATA_DIR the audit code writes its anchors to (`audit-anchors*`). */
export async function anchorFiles(dataDir: string | undefined): Promise<string[]> {
  if (!dataDir || !existsSync(dataDir)) return [];
  return (await readdir(dataDir)).filter((n) => n.startsWith('audit-anchors')).sort();
}

export interface BackupOptions {
  pool: pg.Pool;
  dir: string;
  portalVersion: string;
  meili?: { client: Meilisearch; prefix: string };
  dataDir?: string;
  onProgress?: Progress;
}

export async function createBackup(options: BackupOptions): Promise<Manifest> {
  const { dir } = options;
  if (existsSync(dir) && (await readdir(dir)).length)
    throw new BackupError(`${dir} is not empty: back up into a new directory`);
  await mkdir(path.join(dir, 'tables'), { recursive: true });
  const client = await options.pool.connect();
  try {
    // One snapshot for every table: the ledger, the batches it maintains and
    // the audit trail all describe the same moment.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: versionRows } = await client.query<{ v: string }>('SHOW server_version');
    const migrations = await appliedMigrations(client);
    const tables = await userTables(client);
    const sequences = (
      await client.query<{ name: string; value: string | null; is_called: boolean }>(
        // pg_sequences hides last_value until nextval was called; is_called tells setval the same.
        `SELECT sequencename AS name, last_value::text AS value, last_value IS NOT NULL AS is_called FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename`,
      )
    ).rows.map((s) => ({ name: s.name, value: s.value, isCalled: s.is_called }));
    const entries: TableEntry[] = [];
    for (const [i, table] of tables.entries()) {
      options.onProgress?.(`table ${table.name}`, i, tables.length);
      const file = `tables/${table.name}.copy`;
      const d = digestStream();
      const copy = client.query(copyTo(`COPY ${ident(table.name)} (${table.columns.map(ident).join(', ')}) TO STDOUT`));
      await pipeline(copy, d.stream, createWriteStream(path.join(dir, file), { mode: 0o600 }));
      entries.push({ name: table.name, file, columns: table.columns, rows: copy.rowCount, ...d.result() });
    }
    await client.query('COMMIT');
    options.onProgress?.('tables', tables.length, tables.length);

    const files: FileEntry[] = [];
    if (options.meili) {
      const { results } = await options.meili.client.getIndexes({ limit: 1000 });
      const ours = results.filter((ix) => ix.uid.startsWith(options.meili!.prefix) && !ix.uid.endsWith('_tmp'));
      const settings = Object.fromEntries(
        await Promise.all(
          ours.map(async (ix) => [
            ix.uid,
            { primaryKey: ix.primaryKey, settings: await options.meili!.client.index(ix.uid).getSettings() },
          ]),
        ),
      );
      const file = 'search-settings.json';
      await writeFile(path.join(dir, file), `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
      files.push({ file, ...(await digestFile(path.join(dir, file))) });
    }
    for (const name of await anchorFiles(options.dataDir)) {
      const file = `anchors/${name}`;
      await mkdir(path.join(dir, 'anchors'), { recursive: true });
      await copyFile(path.join(options.dataDir!, name), path.join(dir, file));
      files.push({ file, ...(await digestFile(path.join(dir, file))) });
    }

    const manifest: Manifest = {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      portalVersion: options.portalVersion,
      postgresVersion: versionRows[0]!.v,
      migrations,
      tables: entries,
      sequences,
      files,
    };
    await writeFile(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    return manifest;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** A backup or restore that cannot go ahead, with the reason in words. */
export class BackupError extends Error {}

/** Reads the manifest and checks every file it lists: present, same size, same SHA-256. */
export async function verifyBackup(dir: string, onProgress?: Progress): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch (error) {
    throw new BackupError(`${path.join(dir, MANIFEST)}: cannot read the manifest (${(error as Error).message})`);
  }
  if (manifest.format !== FORMAT) throw new BackupError(`${MANIFEST}: format "${manifest.format}" is not ${FORMAT}`);
  const all = [...manifest.tables, ...manifest.files];
  const problems: string[] = [];
  for (const [i, entry] of all.entries()) {
    onProgress?.('verifying', i, all.length);
    const file = path.join(dir, entry.file);
    if (path.relative(dir, file).startsWith('..')) {
      problems.push(`${entry.file}: outside the backup directory`);
      continue;
    }
    if (!existsSync(file)) {
      problems.push(`${entry.file}: missing`);
      continue;
    }
    const { size } = await stat(file);
    if (size !== entry.bytes) {
      problems.push(`${entry.file}: ${size} bytes, the manifest says ${entry.bytes}`);
      continue;
    }
    const { sha256 } = await digestFile(file);
    if (sha256 !== entry.sha256)
      problems.push(`${entry.file}: SHA-256 ${sha256} does not match the manifest (${entry.sha256})`);
  }
  if (problems.length) throw new BackupError(`the backup does not match its manifest:\n  ${problems.join('\n  ')}`);
  return manifest;
}

export interface RestoreOptions {
  pool: pg.Pool;
  dir: string;
  /** Brings the empty database to the code's schema (db/migrate.ts). */
  migrate: (pool: pg.Pool) => Promise<void>;
  /** Migrations the code knows; a backup from newer code is refused. */
  knownMigrations: number;
  dataDir?: string;
  onProgress?: Progress;
}

export interface RestoreReport {
  tables: number;
  rows: number;
  files: string[];
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreReport> {
  const { pool, dir } = options;
  const manifest = await verifyBackup(dir, options.onProgress);
  if (manifest.migrations > options.knownMigrations) {
    throw new BackupError(
      `the backup comes from a newer portal (${manifest.migrations} migrations, this code knows ${options.knownMigrations}): restore with that version`,
    );
  }
  const { rows: existing } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'drizzle') AND c.relkind IN ('r', 'p')`,
  );
  if (existing[0]!.n > 0) {
    throw new BackupError(
      'the database is not empty (it has tables): restore only into a new database, e.g. stop the portal and move DATA_DIR aside, or create a new database for DATABASE_URL',
    );
  }
  // Anchors are checked before anything is written, like the rest.
  const anchorTargets = manifest.files.filter((f) => f.file.startsWith('anchors/'));
  if (anchorTargets.length && !options.dataDir)
    throw new BackupError('the backup holds audit anchors but no DATA_DIR was given to restore them into');
  for (const f of anchorTargets) {
    const target = path.join(options.dataDir!, path.basename(f.file));
    if (existsSync(target) && (await digestFile(target)).sha256 !== f.sha256)
      throw new BackupError(`${target} exists and differs from the backup's: move it aside first`);
  }

  const before = await schemaObjects(pool);
  try {
    return await migrateAndLoad(options, manifest, anchorTargets);
  } catch (error) {
    // Leave the database as empty as it was, so the next attempt is not refused as "not empty".
    await dropCreatedObjects(pool, before).catch((e) =>
      console.error(`could not undo the schema of the failed restore: ${(e as Error).message}`),
    );
    throw error;
  }
}

type SchemaObject = { kind: 'class' | 'proc' | 'type'; oid: string; sub: string; name: string };

/** The objects in the public schema (relations, routines, standalone types), by oid. */
async function schemaObjects(pool: pg.Pool): Promise<SchemaObject[]> {
  const { rows } = await pool.query<SchemaObject>(
    `SELECT 'class' AS kind, c.oid::text AS oid, c.relkind::text AS sub, format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
     UNION ALL
     SELECT 'proc', p.oid::text, p.prokind::text, p.oid::regprocedure::text
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
     UNION ALL
     SELECT 'type', t.oid::text, t.typtype::text, format('%I.%I', n.nspname, t.typname)
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd') `,
  );
  return rows;
}

async function dropCreatedObjects(pool: pg.Pool, before: SchemaObject[]): Promise<void> {
  const known = new Set(before.map((o) => o.oid));
  const created = (await schemaObjects(pool)).filter((o) => !known.has(o.oid));
  await pool.query('DROP SCHEMA IF EXISTS drizzle CASCADE');
  const statement = (o: SchemaObject) =>
    o.kind === 'proc'
      ? `DROP ROUTINE IF EXISTS ${o.name} CASCADE`
      : o.kind === 'type'
        ? `DROP TYPE IF EXISTS ${o.name} CASCADE`
        : `DROP ${o.sub === 'S' ? 'SEQUENCE' : o.sub === 'v' ? 'VIEW' : o.sub === 'm' ? 'MATERIALIZED VIEW' : 'TABLE'} IF EXISTS ${o.name} CASCADE`;
  // Tables first (their sequences, triggers and row types go with them), then the rest.
  for (const o of [...created.filter((o) => o.kind === 'class'), ...created.filter((o) => o.kind !== 'class')])
    await pool.query(statement(o));
}

async function migrateAndLoad(
  options: RestoreOptions,
  manifest: Manifest,
  anchorTargets: FileEntry[],
): Promise<RestoreReport> {
  const { pool, dir } = options;
  await options.migrate(pool);
  const tables = new Map(
    (
      await (async () => {
        const client = await pool.connect();
        try {
          return await userTables(client);
        } finally {
          client.release();
        }
      })()
    ).map((t) => [t.name, t]),
  );
  for (const t of manifest.tables) {
    if (!tables.has(t.name))
      throw new BackupError(`table ${t.name} of the backup does not exist in this version's schema`);
    const missing = t.columns.filter((c) => !tables.get(t.name)!.columns.includes(c));
    if (missing.length)
      throw new BackupError(
        `table ${t.name}: columns ${missing.join(', ')} of the backup do not exist in this version's schema`,
      );
  }

  const client = await pool.connect();
  let rows = 0;
  try {
    await client.query('BEGIN');
    // Rows go in as they were: no trigger fires (the audit chain keeps its
    // hashes, the ledger does not move stock twice) and no foreign key is
    // checked row by row (the snapshot was consistent). Needs the owner's
    // right to set it (a superuser, or GRANT SET ON PARAMETER on PostgreSQL 15+).
    try {
      await client.query('SET LOCAL session_replication_role = replica');
    } catch (error) {
      throw new BackupError(
        `cannot load rows without triggers: ${(error as Error).message} (run restore as a superuser, or GRANT SET ON PARAMETER session_replication_role to the database owner)`,
      );
    }
    // What the migrations wrote (e.g. the empty audit chain head) gives way to the backup's rows.
    await client.query(`TRUNCATE ${manifest.tables.map((t) => ident(t.name)).join(', ')}`);
    for (const [i, t] of manifest.tables.entries()) {
      options.onProgress?.(`table ${t.name}`, i, manifest.tables.length);
      const copy = client.query(copyFrom(`COPY ${ident(t.name)} (${t.columns.map(ident).join(', ')}) FROM STDIN`));
      await pipeline(createReadStream(path.join(dir, t.file)), copy);
      if (copy.rowCount !== t.rows)
        throw new BackupError(`table ${t.name}: loaded ${copy.rowCount} rows, the manifest says ${t.rows}`);
      rows += copy.rowCount;
    }
    for (const s of manifest.sequences) {
      if (s.value === null) continue;
      await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [ident(s.name), s.value, s.isCalled]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  options.onProgress?.('tables', manifest.tables.length, manifest.tables.length);

  const files: string[] = [];
  for (const f of anchorTargets) {
    await mkdir(options.dataDir!, { recursive: true });
    const target = path.join(options.dataDir!, path.basename(f.file));
    await copyFile(path.join(dir, f.file), target);
    files.push(target);
  }
  return { tables: manifest.tables.length, rows, files };
}
