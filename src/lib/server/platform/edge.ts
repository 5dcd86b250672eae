/**
 * The HTTP edge: what every request is checked for before a page, an action or
 * an API route sees it. Plain functions over Request/URL (the middleware wires
 * them), so each rule is testable on its own.
 */
import { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Pool } from 'pg';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Role } from '#db/schema/accounts.ts';
import { isStaff } from '#server/accounts/authorize.ts';
import { UPLOAD_BODY_MAX_BYTES } from '#lib/limits.ts';
import type { Config } from './config.ts';
import { LeasedBudget } from './leased-budget.ts';

/**
 * True when the body is larger than `limit`, decided without holding more than
 * `limit` bytes: a declared Content-Length is believed (Node refuses a body
 * longer than it declares); a chunked body is counted on a copy of the stream
 * and the count stops at the limit.
 */
export async function bodyTooLarge(request: Request, limit: number): Promise<boolean> {
  if (request.method === 'GET' || request.method === 'HEAD' || !request.body) return false;
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim())) return Number(declared) > limit;
  const reader = request.clone().body!.getReader();
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      received += value.byteLength;
      if (received > limit) return true;
    }
  } catch {
    // The stream broke (the client went away, or the adapter's own limit): nothing to serve.
    return true;
  } finally {
    reader.cancel().catch(() => {});
  }
}

export type BadInput = 'nul' | 'encoding' | 'json' | 'fields' | 'field-size' | 'json-shape' | 'malformed';

/**
 * What one action body may hold, checked while it streams in, before any
 * parser that could be slow on it sees it (Node's URLSearchParams is quadratic
 * on fields without `=`; 800,000 of them took seconds). The largest form of
 * the portal has a few dozen fields and its longest text is 4,000 characters.
 */
export const bodyShape = {
  /** Fields of a form (URL-encoded or multipart). */
  fields: 1_000,
  /** Bytes of one field's value, decoded. */
  fieldBytes: 32 * 1024,
  /** Bytes of a field's name. */
  fieldNameBytes: 200,
  /** Parts of a multipart body (fields and files together). */
  parts: 1_000,
  /** Files in one multipart body (the logger upload sends one). */
  files: 1,
  /** Nesting of arrays and objects in a JSON body. */
  jsonDepth: 16,
  /** Values in a JSON body (commas, counted outside strings). */
  jsonValues: 10_000,
} as const;

export const badInputMessages: Record<BadInput, string> = {
  nul: 'The request contains a NUL character.',
  encoding: 'The address contains a malformed escape.',
  json: 'The request body is not valid JSON.',
  fields: `The form has too many fields (at most ${bodyShape.fields}) or files (at most ${bodyShape.files}).`,
  'field-size': `A field of the form is too long (at most ${bodyShape.fieldBytes} bytes, names ${bodyShape.fieldNameBytes}).`,
  malformed: 'The form body is malformed.',
  'json-shape': `The JSON body is nested too deeply (at most ${bodyShape.jsonDepth} levels) or holds too many values (at most ${bodyShape.jsonValues}).`,
};

const NUL = /\u0000/;

/** Each path segment must decode exactly once, to text without NUL. */
function badPath(pathname: string): BadInput | undefined {
  for (const segment of pathname.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return 'encoding';
    }
    if (NUL.test(decoded)) return 'nul';
  }
  return undefined;
}

function badQuery(search: string): BadInput | undefined {
  for (const part of search.replace(/^\?/, '').split('&')) {
    try {
      if (NUL.test(decodeURIComponent(part.replace(/\+/g, ' ')))) return 'nul';
    } catch {
      return 'encoding';
    }
  }
  return undefined;
}

/** Whether a POST's body is one an action will read (a form post or an /_actions call). */
export function postsToAction(request: Request, url: URL, pathWithoutLocale: string): boolean {
  return request.method === 'POST' && (pathWithoutLocale.startsWith('/_actions/') || url.searchParams.has('_action'));
}

/** NUL, broken escapes: in the path or the query of an address. */
export function findBadAddress(url: URL): BadInput | undefined {
  return badPath(url.pathname) ?? badQuery(url.search);
}

export interface BodyInspection {
  bad?: BadInput;
  /** The field the problem is in, when it is in one. */
  field?: string;
  /** The text fields of a form body, in order (for re-rendering a form); empty for JSON. */
  fields: [string, string][];
}

/**
 * Reads an action's body once (a copy; the action still gets the original),
 * as a stream, and stops at the first thing no action should see: too many
 * fields or parts, a field too long, JSON nested too deeply or too large,
 * NUL in a name or value (PostgreSQL refuses it in text, so it would surface
 * as a 500), JSON that does not parse. Call only after the body limit.
 */
export async function inspectBody(request: Request): Promise<BodyInspection> {
  if (!request.body) return { fields: [] };
  const type = request.headers.get('content-type') ?? '';
  if (/application\/json/i.test(type))
    return { bad: badJson(new Uint8Array(await request.clone().arrayBuffer())), fields: [] };
  if (/multipart\/form-data|application\/x-www-form-urlencoded/i.test(type)) return inspectForm(request, type);
  return { fields: [] };
}

/** JSON: its shape counted in one pass over the bytes (no parser recursion on hostile nesting), then parsed once. */
function badJson(bytes: Uint8Array): BadInput | undefined {
  // Astro reads a body of no bytes as no input; anything else must parse (a lone BOM decodes to "" and does not).
  if (bytes.byteLength === 0) return undefined;
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > bodyShape.jsonDepth) return 'json-shape';
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && ++values >= bodyShape.jsonValues) return 'json-shape';
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return 'json';
  }
  return holdsNul(value) ? 'nul' : undefined;
}

/** Escaped (\u0000) and raw NUL both end up in a parsed string or key; depth is bounded above. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return NUL.test(value);
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => NUL.test(k) || holdsNul(v));
  return false;
}

/** A form body through busboy (a streaming parser with limits), stopped at the first limit it meets. */
function inspectForm(request: Request, type: string): Promise<BodyInspection> {
  const fields: [string, string][] = [];
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': type },
      defParamCharset: 'utf8',
      limits: {
        fields: bodyShape.fields,
        fieldSize: bodyShape.fieldBytes,
        fieldNameSize: bodyShape.fieldNameBytes,
        parts: bodyShape.parts,
        files: bodyShape.files,
      },
    });
  } catch {
    // No boundary, a charset nobody knows.
    return Promise.resolve({ bad: 'malformed', fields });
  }
  const source = Readable.fromWeb(request.clone().body! as import('node:stream/web').ReadableStream<Uint8Array>);
  return new Promise<BodyInspection>((resolve) => {
    let done = false;
    const finish = (bad?: BadInput, field?: string) => {
      if (done) return;
      done = true;
      source.unpipe(parser);
      source.destroy();
      resolve(bad ? { bad, fields: [], ...(field === undefined ? {} : { field: field.slice(0, 100) }) } : { fields });
    };
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return finish('field-size', name);
      if (NUL.test(name) || NUL.test(value)) return finish('nul', name);
      fields.push([name, value]);
    });
    parser.on('file', (name, stream, info) => {
      if (NUL.test(name) || NUL.test(info.filename ?? '')) {
        stream.resume();
        return finish('nul', name);
      }
      // The file's size is bounded by the body limit. Logger exports are text: a NUL in one would reach PostgreSQL.
      stream.on('data', (chunk: Buffer) => {
        if (chunk.includes(0)) finish('nul', name);
      });
    });
    parser.on('fieldsLimit', () => finish('fields'));
    parser.on('partsLimit', () => finish('fields'));
    parser.on('filesLimit', () => finish('fields'));
    parser.on('close', () => finish());
    // What busboy cannot read (a part header with NUL in it, say) no other parser should be trusted with.
    parser.on('error', () => finish('malformed'));
    source.on('error', () => finish('malformed'));
    source.pipe(parser);
  });
}

/**
 * Actions that take a file (a data logger's export, on the request chain or the bank's receipt) may pass
 * the general limit, up to the file limit plus the form around it (src/lib/limits.ts); still counted, never
 * buffered whole.
 */
const uploadActions = new Set(['uploadLoggerFile', 'receiveBankBatch']);

/** The larger limit only for the upload action, and only when signed-in staff call it; everyone else gets the general one. */
export function bodyLimitFor(url: URL, path: string, general: number, user: { role: Role } | null | undefined): number {
  const action = path.startsWith('/_actions/') ? path.slice('/_actions/'.length) : url.searchParams.get('_action');
  const upload = action !== null && uploadActions.has(action) && isStaff(user);
  return upload ? Math.max(general, UPLOAD_BODY_MAX_BYTES) : general;
}

/**
 * The client's address. Each trusted proxy appends the address it was
 * connected from to X-Forwarded-For, so with N proxies the client is the Nth
 * entry from the right; anything further left was written by the client and
 * proves nothing. With 0 proxies the header is ignored entirely.
 * `direct` is the address of the connection itself.
 */
export function clientAddressFrom(forwardedFor: string | null, direct: string, trustedProxies: number): string {
  if (trustedProxies === 0 || !forwardedFor) return direct;
  const hops = forwardedFor
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (hops.length === 0) return direct;
  // [client?, ..., proxy1's view, ..., direct]: step back N hops from the connection.
  return hops[Math.max(0, hops.length - trustedProxies)]!;
}

/**
 * Per-address request budgets for the public API and the CSV export, and a cap
 * on exports running at once. The budgets live in PostgreSQL (table
 * `rate_limits`, rate-limiter-flexible's store), so every portal process and
 * host draws on one budget per address; should PostgreSQL not answer, each
 * process falls back to counting in its own memory. The export cap is per
 * process: it bounds what one process is asked to do at once.
 */
export class EdgeLimits {
  private readonly api: Budget;
  private readonly csv: Budget;
  private exportsRunning = 0;

  constructor(
    private readonly config: Pick<Config, 'API_RATE_LIMIT' | 'CSV_RATE_LIMIT' | 'CSV_MAX_CONCURRENT'>,
    pool?: Pool,
  ) {
    this.api = limiter(pool, 'api', config.API_RATE_LIMIT);
    this.csv = limiter(pool, 'csv', config.CSV_RATE_LIMIT);
  }

  /** Seconds to wait before this address may call the API again; 0 = go ahead (and counted). */
  async takeApi(address: string): Promise<number> {
    return take(this.api, address);
  }

  async takeCsv(address: string): Promise<number> {
    return take(this.csv, address);
  }

  /** Runs an export if a slot is free; undefined when all are busy. */
  async withExportSlot<T>(run: () => Promise<T>): Promise<T | undefined> {
    if (this.exportsRunning >= this.config.CSV_MAX_CONCURRENT) return undefined;
    this.exportsRunning++;
    try {
      return await run();
    } finally {
      this.exportsRunning--;
    }
  }
}

/** What the edge asks of a budget. */
type Budget = Pick<RateLimiterAbstract, 'consume'>;

/** A budget of `points` per minute and key: in PostgreSQL when a pool is given (memory as insurance), else in memory. */
function limiter(pool: Pool | undefined, keyPrefix: string, points: number): Budget {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
  if (!pool) return memory;
  // The table is made by migration 0030 (the app role may not create tables); expired rows are cleared hourly.
  const shared = new RateLimiterPostgres({
    storeClient: pool,
    storeType: 'pool',
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix,
    points,
    duration: 60,
    insuranceLimiter: memory,
  });
  // A hung PostgreSQL must not add its query deadline to every API call: past a
  // short wait the process counts in memory, and the request goes on to its own deadline.
  const guarded = new RLWrapperTimeouts({ limiter: shared, timeoutMs: STORE_WAIT_MS, insuranceLimiter: memory });
  // Drawn in leases: a busy address costs one write per lease, not one per request (leased-budget.ts).
  return new LeasedBudget(guarded, points);
}

/** How long a budget check waits for PostgreSQL before counting in memory. */
const STORE_WAIT_MS = 300;

async function take(limiter: Budget, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (refused) {
    if (refused instanceof RateLimiterRes) return Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
    throw refused;
  }
}
