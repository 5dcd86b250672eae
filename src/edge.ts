/**
 * The middleware of the HTTP edge (src/middleware.ts puts them in the chain):
 * a request id and an access log line for every request, then, before
 * anything reads a body, the body limit, input no service should see, and the
 * rate limits of the public API. The rules themselves live in
 * src/lib/server/platform/edge.ts.
 */
import { randomUUID } from 'node:crypto';
import { defineMiddleware } from 'astro:middleware';
import { splitLocale } from '#i18n/index.ts';
import { getConfig } from '#server/platform/config.ts';
import { bodyTooLarge, clientAddressFrom, EdgeLimits, findBadInput, postsToAction } from '#server/platform/edge.ts';
import { jsonError } from '#server/platform/http.ts';
import { log, redactText, requestContext, safePath } from '#server/platform/log.ts';

/** A request id (also the X-Request-Id response header) on every log line of the request, and one access line. */
export const requestLog = defineMiddleware(async (context, next) => {
  // A page's Astro.rewrite runs the chain again, with the same locals: one request, one id, one line.
  if (context.locals.requestId) return next();
  const requestId = randomUUID();
  context.locals.requestId = requestId;
  // As sent: context.url is decoded (`%5C` would already be a backslash).
  context.locals.askedPath = splitLocale(new URL(context.request.url).pathname).path;
  return requestContext.run({ requestId }, async () => {
    const started = performance.now();
    let response: Response;
    try {
      response = await next();
    } catch (error) {
      log.error({ error: describeError(error), method: context.request.method, ...safePath(new URL(context.request.url)) }, 'request failed');
      throw error;
    }
    response.headers.set('X-Request-Id', requestId);
    log.info({ method: context.request.method, ...safePath(new URL(context.request.url)), status: response.status, ms: Math.round(performance.now() - started) }, 'request');
    return response;
  });
});

let limits: EdgeLimits | undefined;

/** The API answers errors in JSON (so do actions called over HTTP); pages in the reader's language. */
const speaksJson = (path: string) => path.startsWith('/api/') || path.startsWith('/_actions/');

/** Runs after the locale middleware (which reads no body), so error pages come in the address's language. */
export const edgeChecks = defineMiddleware(async (context, next) => {
  // Checked once: a page's rewrite runs the chain again (and a body may already be read by then).
  if (context.locals.clientAddress !== undefined) return next();
  const config = getConfig();
  const path = context.locals.pathWithoutLocale;
  const json = speaksJson(path);

  context.locals.clientAddress = clientAddressFrom(context.request.headers.get('x-forwarded-for'), context.clientAddress, config.TRUSTED_PROXIES);

  const limit = bodyLimitFor(context.url, path, config.MAX_BODY_BYTES);
  if (await bodyTooLarge(context.request, limit)) {
    // The rest of the body is never read into memory (Node discards what still arrives).
    const response = json
      ? jsonError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`)
      : await next(new URL(`/bad-request?reason=too-large`, context.url));
    return withStatus(response, 413);
  }

  const bad = await findBadInput(context.request, new URL(context.request.url), postsToAction(context.request, context.url, path));
  if (bad) {
    const message = bad === 'json' ? 'The request body is not valid JSON.' : bad === 'nul' ? 'The request contains a NUL character.' : 'The address contains a malformed escape.';
    return json ? jsonError(400, 'bad_request', message) : withStatus(await next(new URL('/bad-request', context.url)), 400);
  }

  if (path.startsWith('/api/v1/') && context.request.method === 'GET') {
    limits ??= new EdgeLimits(config);
    const csv = path === '/api/v1/search.csv';
    const wait = csv ? await limits.takeCsv(context.locals.clientAddress) : await limits.takeApi(context.locals.clientAddress);
    if (wait > 0) return withStatus(jsonError(429, 'rate_limited', `Too many requests; try again in ${wait} s.`, { retryAfter: wait }), 429, { 'Retry-After': String(wait) });
    if (csv) {
      const exported = await limits.withExportSlot(() => next());
      if (exported) return exported;
      return withStatus(jsonError(429, 'busy', 'Too many exports are running; try again in a few seconds.', { retryAfter: 5 }), 429, { 'Retry-After': '5' });
    }
  }
  return next();
});

function withStatus(response: Response, status: number, headers: Record<string, string> = {}): Response {
  const out = new Response(response.body, { status, headers: response.headers });
  for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
  return out;
}

/** An error and the chain of causes under it (drizzle keeps pg's error in `cause`), redacted, for the log. */
function describeError(error: unknown, depth = 0): Record<string, unknown> | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const e = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  return {
    name: String(e.name ?? 'Error'),
    message: redactText(String(e.message ?? '')).slice(0, 500),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(e.cause ? { cause: describeError(e.cause, depth + 1) } : {}),
  };
}

/** Actions that take a file: a data logger's export may pass the general limit (still counted, never buffered whole). */
const uploadActions = new Set(['uploadLoggerFile']);
const UPLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

function bodyLimitFor(url: URL, path: string, general: number): number {
  const action = path.startsWith('/_actions/') ? path.slice('/_actions/'.length) : url.searchParams.get('_action');
  return action && uploadActions.has(action) ? Math.max(general, UPLOAD_LIMIT_BYTES) : general;
}
