/**
 * The server's log: one JSON object per line (pino), so control characters in
 * logged values are escaped by the encoder and a log line cannot be forged.
 * Each line written while a request is handled carries its request id (the
 * same id the client sees in `X-Request-Id`). Query strings, cookies, session
 * ids and tokens never reach the log: `safePath` keeps only a path and the
 * names of query parameters, and the redact list covers fields by name.
 * The CLI tools keep their human output; this is for the server process.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export interface RequestContext {
  requestId: string;
}

// One store per process, shared by every copy of this module (Vite may bundle it more than once).
const storeKey = Symbol.for('stem-cell-portal.request-context');
const globals = globalThis as typeof globalThis & { [storeKey]?: AsyncLocalStorage<RequestContext> };
globals[storeKey] ??= new AsyncLocalStorage<RequestContext>();
export const requestContext: AsyncLocalStorage<RequestContext> = globals[storeKey];

const redactedFields = [
  'cookie',
  'cookies',
  'authorization',
  'token',
  'sessionId',
  'session',
  'password',
  'query',
  'headers.cookie',
  'headers.authorization',
  '*.cookie',
  '*.token',
  '*.sessionId',
  '*.password',
];

export const log = pino({
  base: undefined,
  messageKey: 'msg',
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  redact: { paths: redactedFields, censor: '[redacted]' },
  mixin: () => {
    const context = requestContext.getStore();
    return context ? { requestId: context.requestId } : {};
  },
});

/** A request's address for the log: the path, and only the names of its query parameters (values may hold tokens). */
export function safePath(url: URL): { path: string; queryKeys?: string[] } {
  const keys = [...new Set(url.searchParams.keys())];
  return keys.length ? { path: url.pathname, queryKeys: keys } : { path: url.pathname };
}

/** Masks secrets in free text that is about to be logged (error messages may quote a URL or a token). */
export function redactText(text: string): string {
  return text
    .replace(/(\bhttps?:\/\/[^\s?#]*)\?[^\s#]*/g, '$1?[redacted]')
    .replace(/\b(token|session|password)=[^\s&;]+/gi, '$1=[redacted]')
    .replace(/\b[a-z0-9]{20,}\.[a-z0-9]{20,}\b/gi, '[redacted]');
}

/**
 * drizzle puts a failed query's parameters in its message ("Failed query: …
 * params: a,b"): values typed by people, session ids. The statement is kept,
 * the values are not.
 */
export function withoutParameters(message: string): string {
  return message.replace(/\nparams: [\s\S]*$/, '\nparams: [redacted]');
}

/** An error and the chain of causes under it (drizzle keeps pg's error in `cause`), redacted, for the log. */
export function describeError(error: unknown, depth = 0): Record<string, unknown> | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const e = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  return {
    name: String(e.name ?? 'Error'),
    message: redactText(withoutParameters(String(e.message ?? ''))).slice(0, 500),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(e.cause ? { cause: describeError(e.cause, depth + 1) } : {}),
  };
}
