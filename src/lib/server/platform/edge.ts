/**
 * The HTTP edge: what every request is checked for before a page, an action or
 * an API route sees it. Plain functions over Request/URL (the middleware wires
 * them), so each rule is testable on its own.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from './config.ts';

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

export type BadInput = 'nul' | 'encoding' | 'json';

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

/**
 * Input no page or service should ever see: NUL (PostgreSQL refuses it in text,
 * so it would surface as a 500), escapes that do not decode, and, for bodies
 * an action will read, NUL in a form field or JSON that does not parse. Call
 * only after the body limit, so reading a copy of the body is bounded.
 */
export async function findBadInput(request: Request, url: URL, readsBody: boolean): Promise<BadInput | undefined> {
  const inUrl = badPath(url.pathname) ?? badQuery(url.search);
  if (inUrl || !readsBody || !request.body) return inUrl;
  const type = request.headers.get('content-type') ?? '';
  if (/application\/json/i.test(type)) {
    const bytes = await request.clone().arrayBuffer();
    // Astro reads a body of no bytes as no input; anything else must parse (a lone BOM decodes to "" and does not).
    if (bytes.byteLength === 0) return undefined;
    try {
      const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
      // Escaped (\u0000) and raw NUL both end up in a parsed string.
      return NUL.test(JSON.stringify(value).replace(/\\u0000/g, '\u0000')) ? 'nul' : undefined;
    } catch {
      return 'json';
    }
  }
  if (/form/i.test(type)) {
    let form: FormData;
    try {
      form = await request.clone().formData();
    } catch {
      return undefined; // A malformed form: the action reports it in its own words.
    }
    for (const [name, value] of form) if (NUL.test(name) || (typeof value === 'string' && NUL.test(value))) return 'nul';
  }
  return undefined;
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
 * on exports running at once. In-process: each portal process counts on its
 * own, so N processes behind a balancer allow up to N times the budget; that
 * bounds what one address can make one process do, which is the point.
 */
export class EdgeLimits {
  private readonly api: RateLimiterMemory;
  private readonly csv: RateLimiterMemory;
  private exportsRunning = 0;

  constructor(private readonly config: Pick<Config, 'API_RATE_LIMIT' | 'CSV_RATE_LIMIT' | 'CSV_MAX_CONCURRENT'>) {
    this.api = new RateLimiterMemory({ keyPrefix: 'api', points: config.API_RATE_LIMIT, duration: 60 });
    this.csv = new RateLimiterMemory({ keyPrefix: 'csv', points: config.CSV_RATE_LIMIT, duration: 60 });
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

async function take(limiter: RateLimiterMemory, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (refused) {
    if (refused instanceof RateLimiterRes) return Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
    throw refused;
  }
}
