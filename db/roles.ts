/**
 * The two database roles.
 *
 * - the **owner** owns every table, function and sequence and runs the
 *   migrations and the CLI tools (import, seed, audit);
 * - the **app** role is what the web server connects as: ordinary DML on
 *   ordinary tables, but only INSERT and SELECT on the append-only ledgers,
 *   and since it owns nothing it cannot disable their triggers, and since it
 *   is no superuser it cannot set `session_replication_role` either.
 *
 * `appendOnlyTables` is the one list of ledgers: a feature that adds an
 * append-only table adds its name here (its migration adds the triggers).
 * New tables get the app's DML automatically (ALTER DEFAULT PRIVILEGES for
 * the owner), and `grantAppRole` runs after every migration run, so a new
 * ledger loses UPDATE/DELETE/TRUNCATE the moment it exists.
 */
import type pg from 'pg';

/** Tables the app role may only INSERT into and SELECT from. */
export const appendOnlyTables = [
  'audit_events',
  'stock_movements',
  // The request chain's records (migration 0007 adds their triggers).
  'request_events',
  'signatures',
  'outbound_records',
  'temperature_readings',
  'agreements',
  'agreement_acceptances',
  // The bank's own records of a batch (migration 0050 adds their triggers).
  'storage_units',
  'storage_racks',
  'storage_boxes',
  'bank_receipts',
  'bank_receipt_readings',
  'storage_operations',
  'vial_moves',
  'location_checks',
  'intake_tests',
  'release_tests',
  'bank_test_items',
  'destructions',
  'destruction_vials',
  'vial_picks',
  'pick_scans',
] as const;

/** Tables whose rows change through audited services but are never deleted: no DELETE or TRUNCATE for the app. */
export const neverDeletedTables = [
  'requests',
  'request_items',
  'shipments',
  'deviations',
  'recall_notices',
  'vials',
  'bank_deviations',
] as const;

/** Tables the app role may only read: triggers running as the owner (SECURITY DEFINER) write them. */
export const readOnlyTables = ['audit_chain_head'] as const;

/** Role names of the embedded servers (a production database may use any names). */
export const EMBEDDED_OWNER = 'portal_owner';
export const EMBEDDED_APP = 'portal_app';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Grants the app role what it needs, run by the owner after migrating.
 * Idempotent: every run states the whole set again.
 */
export async function grantAppRole(client: pg.Pool | pg.ClientBase, appRole: string): Promise<void> {
  const app = ident(appRole);
  const statements = [
    `GRANT USAGE ON SCHEMA public TO ${app}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}`,
    // nextval needs USAGE; setval (UPDATE) stays with the owner.
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app}`,
    ...appendOnlyTables.flatMap((t) => [
      `REVOKE ALL ON ${ident(t)} FROM ${app}, PUBLIC`,
      `GRANT SELECT, INSERT ON ${ident(t)} TO ${app}`,
    ]),
    ...readOnlyTables.flatMap((t) => [
      `REVOKE ALL ON ${ident(t)} FROM ${app}, PUBLIC`,
      `GRANT SELECT ON ${ident(t)} TO ${app}`,
    ]),
    ...neverDeletedTables.flatMap((t) => [
      `REVOKE ALL ON ${ident(t)} FROM ${app}, PUBLIC`,
      `GRANT SELECT, INSERT, UPDATE ON ${ident(t)} TO ${app}`,
    ]),
  ];
  for (const statement of statements) await client.query(statement);
}

/**
 * The embedded servers' roles, created (or their passwords brought in line)
 * by the bootstrap superuser. Neither is a superuser; the owner may create
 * objects in the database it owns, the app role nothing.
 */
export async function ensureEmbeddedRoles(
  superuser: pg.ClientBase,
  options: { database: string; ownerPassword: string; appPassword: string },
): Promise<void> {
  for (const [role, password] of [
    [EMBEDDED_OWNER, options.ownerPassword],
    [EMBEDDED_APP, options.appPassword],
  ] as const) {
    const { rowCount } = await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    const verb = rowCount ? 'ALTER' : 'CREATE';
    await superuser.query(
      `${verb} ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(password)}`,
    );
  }
  // `npm run restore` loads rows as they were, past the triggers; the owner could switch its own
  // tables' triggers off anyway (the anchors outside the database are what hold against it). The app role never can.
  await superuser.query(`GRANT SET ON PARAMETER session_replication_role TO ${ident(EMBEDDED_OWNER)}`);
}

/**
 * Hands every object of the portal's schemas that another role (the
 * bootstrap superuser of an older data directory) owns to the owner role.
 * REASSIGN OWNED cannot be used: the bootstrap superuser also owns the
 * system catalogs. Run by a superuser connected to the portal's database.
 */
export async function transferOwnership(superuser: pg.ClientBase, database: string, owner: string): Promise<void> {
  // Only what another role owns is altered: on an ordinary start nothing is, and DDL here would
  // take locks under a portal already serving (a restart under traffic deadlocked its reads).
  const { rows } = await superuser.query<{ db: string; schema: string }>(
    `SELECT (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1) AS db,
            (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public') AS schema`,
    [database],
  );
  if (rows[0]?.db !== owner) await superuser.query(`ALTER DATABASE ${ident(database)} OWNER TO ${ident(owner)}`);
  if (rows[0]?.schema !== owner) await superuser.query(`ALTER SCHEMA public OWNER TO ${ident(owner)}`);
  await superuser.query(`
    DO $$
    DECLARE r record; o text := ${literal(owner)};
    BEGIN
      FOR r IN SELECT n.nspname FROM pg_namespace n
               WHERE n.nspname IN ('drizzle') AND pg_get_userbyid(n.nspowner) <> o LOOP
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, o);
      END LOOP;
      FOR r IN SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname IN ('public', 'drizzle') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                 AND pg_get_userbyid(c.relowner) <> o LOOP
        EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', r.nspname, r.relname, o);
      END LOOP;
      -- Sequences not owned by a column (serial ones follow their table).
      FOR r IN SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname IN ('public', 'drizzle') AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> o
                 AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
        EXECUTE format('ALTER SEQUENCE %I.%I OWNER TO %I', r.nspname, r.relname, o);
      END LOOP;
      FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname IN ('public', 'drizzle') AND pg_get_userbyid(p.proowner) <> o LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.sig, o);
      END LOOP;
      FOR r IN SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
               WHERE n.nspname IN ('public', 'drizzle') AND t.typtype IN ('e', 'd') AND pg_get_userbyid(t.typowner) <> o LOOP
        EXECUTE format('ALTER TYPE %I.%I OWNER TO %I', r.nspname, r.typname, o);
      END LOOP;
    END $$`);
}

/** The user name in a postgres:// URL. */
export function roleOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}
