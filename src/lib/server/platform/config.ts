/**
 * Runtime configuration, read from the environment and validated once.
 *
 * Every entry point (the start script, the CLI tools, the Astro server) calls
 * `loadConfig()` before doing anything else, so a bad value stops the process
 * with one line that names the variable, instead of failing later and far away.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
  .optional();

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional();

const flag = z
  .enum(['0', '1', 'true', 'false', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true');

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(4321),
    /** Public origin behind a proxy, e.g. https://cells.example.org. */
    PUBLIC_URL: httpUrl,
    DATA_DIR: z.string().min(1).default('.data'),
    DATABASE_URL: postgresUrl,
    /** The migration owner's URL (db/roles.ts); DATABASE_URL is then the app role's. */
    DATABASE_OWNER_URL: postgresUrl,
    MEILI_URL: httpUrl,
    MEILI_MASTER_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Prefix for Meilisearch index uids, so several portals (or test runs) can share one server. */
    MEILI_INDEX_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9_-]*$/, 'may only contain letters, digits, - and _')
      .default(''),
    EMBEDDED_PG_PORT: port.optional(),
    EMBEDDED_MEILI_PORT: port.optional(),
    SEED_DEMO: flag,
    /** Set by `npm start` when it runs embedded services: a local, non-production portal. */
    EMBEDDED_SERVICES: flag,
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
    MAIL_FROM: z.string().min(3).default('Stem Cell Portal <no-reply@localhost>'),
    /** Days a reservation holds before its vials lapse back to stock. */
    RESERVATION_DAYS: z.coerce.number().int().min(1).max(365).default(14),
    /** Days in one state after which a request stands out in the queue and staff are reminded. */
    REMINDER_DAYS: z.coerce.number().int().min(1).max(365).default(5),
    /** Days in one state after which admins get an escalation mail. */
    ESCALATION_DAYS: z.coerce.number().int().min(1).max(365).default(10),
    /** Proxies in front of the portal that append to X-Forwarded-For; 0 = the socket's address is the client. */
    TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
    /** Largest request body accepted on any path (413 beyond it, before anything reads the body). */
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
    /** Public API requests per client address and minute, shared by every process (PostgreSQL). */
    API_RATE_LIMIT: z.coerce.number().int().min(1).default(300),
    /** CSV exports per client address and minute, and at most this many running at once per process. */
    CSV_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
    CSV_MAX_CONCURRENT: z.coerce.number().int().min(1).default(2),
    /** Search answers each process keeps by catalog version (search-api.ts); 0 computes every search. */
    SEARCH_ANSWER_CACHE: z.coerce.number().int().min(0).max(100_000).default(2_000),
    /** Web server processes (`npm start`, production): default, one per core this process may use. */
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
    /** Milliseconds the web server waits for a PostgreSQL answer (the server cancels the statement 2 s later). */
    DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(3_000),
    /** Milliseconds a read (GET/HEAD) may take before the reader gets a 503 (0 = no deadline). */
    REQUEST_DEADLINE_MS: z.coerce.number().int().min(0).default(4_500),
    /** Audit anchors (audit-anchor.ts): the append-only file, its HMAC key, and seconds between anchors (0 = off). */
    AUDIT_ANCHOR_FILE: z.string().min(1).optional(),
    AUDIT_ANCHOR_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    AUDIT_ANCHOR_INTERVAL: z.coerce.number().int().min(0).default(3600),
  })
  .superRefine((c, ctx) => {
    // Links in mail (password reset!) must not be built from a Host header an attacker chooses.
    if (c.NODE_ENV === 'production' && !c.PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message: 'is required in production (the origin users reach, e.g. https://cells.example.org)',
      });
    }
    if (c.DATABASE_OWNER_URL && !c.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: "is required when DATABASE_OWNER_URL is set (the app role's URL)",
      });
    }
    if (c.MEILI_URL && !c.MEILI_MASTER_KEY) {
      ctx.addIssue({ code: 'custom', path: ['MEILI_MASTER_KEY'], message: 'is required when MEILI_URL is set' });
    }
  });

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Treats empty strings as unset, the way shells and .env files usually mean them. */
function withoutEmpty(env: Record<string, string | undefined>) {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

/** Parses the environment, throwing a ConfigError whose message is one line naming the variable. */
export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(withoutEmpty(env));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.join('.') || 'environment';
  const received = env[name];
  const shown = received === undefined ? 'unset' : `got "${redact(name, received)}"`;
  throw new ConfigError(`Invalid configuration: ${name} ${issue.message} (${shown})`);
}

/** Hides secrets (passwords in URLs, keys) from error lines that end up in logs. */
export function redact(name: string, value: string): string {
  if (/KEY|SECRET|PASSWORD/.test(name)) return '***';
  return value.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

/** Binds the loopback interface only: no other machine can reach the server. */
export function listensOnLoopbackOnly(c: Pick<Config, 'HOST'>): boolean {
  return ['127.0.0.1', '::1', '[::1]', 'localhost'].includes(c.HOST.toLowerCase());
}

const loopbackAddress = (address: string) => /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/i.test(address);

/**
 * Whether /dev/mail may answer this request: a local portal (embedded services,
 * not production, listening on loopback alone, no proxy configured), asked over
 * a connection from loopback that no proxy forwarded. A proxy on the same host
 * connects from loopback too, but says whom it forwards for; a development
 * portal must never be exposed (README).
 */
export function servesDevMailbox(
  c: Pick<Config, 'HOST' | 'NODE_ENV' | 'EMBEDDED_SERVICES' | 'TRUSTED_PROXIES'>,
  connectionAddress: string,
  headers: Headers,
): boolean {
  if (c.NODE_ENV === 'production' || !c.EMBEDDED_SERVICES || !listensOnLoopbackOnly(c) || c.TRUSTED_PROXIES > 0)
    return false;
  if (['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host'].some((h) => headers.has(h))) return false;
  return loopbackAddress(connectionAddress);
}

/**
 * The origin links (in mail, in JSON) point to: PUBLIC_URL, else the address the
 * server binds. Never a request's Host header, which the sender chooses.
 */
export function configuredOrigin(c: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  if (c.PUBLIC_URL) return new URL(c.PUBLIC_URL).origin;
  // An unspecified address (0.0.0.0, ::) is no place to send a browser to.
  const host = ['0.0.0.0', '::', '[::]'].includes(c.HOST)
    ? 'localhost'
    : c.HOST.includes(':') && !c.HOST.startsWith('[')
      ? `[${c.HOST}]`
      : c.HOST;
  return `http://${host}:${c.PORT}`;
}

/** The portal's public origin (the one rule above, on this process's configuration): every absolute link uses it. */
export function publicOrigin(): string {
  return configuredOrigin(getConfig());
}

let cached: Config | undefined;

/** The validated configuration of this process (parsed on first use, then cached). */
export function getConfig(): Config {
  cached ??= parseConfig();
  return cached;
}
