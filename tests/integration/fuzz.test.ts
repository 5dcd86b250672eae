/**
 * Property-based fuzzing (fast-check) of everything a stranger can send the
 * built portal: every public API parameter, the record routes and their
 * pages, and every form action (over /_actions/<name> and as a page's form
 * post), with random text (NUL and other controls, any Unicode, huge values,
 * broken percent escapes, markup). The properties: never a 5xx, never a stack
 * trace, never a value reflected unescaped into a page. The number of inputs
 * tried is printed at the end.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { searchParamsSchema } from '#schemas/search-params.ts';
import { importText } from '#server/catalog/import/import-file.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import { useTestSearch } from '../support/search.ts';
import { startPortalServer, type RunningServer } from '../support/server.ts';

let t: TestDatabase;
let search: Awaited<ReturnType<typeof useTestSearch>>;
let server: RunningServer;
let tried = 0;

// Enough runs to cover each target many times, few enough to stay well under a minute on two shared cores.
const RUNS = 150;

beforeAll(async () => {
  t = await useTestDatabase();
  search = await useTestSearch(t);
  const r = await importText(t.pool, 'lines.csv', 'name,category\nFUZZ-LINE-1,iPSC\n');
  expect(r.problems).toEqual([]);
  await search.sync();
  // Budgets high enough that the limits themselves are not what the fuzzer meets.
  server = await startPortalServer({
    DATABASE_URL: t.url,
    MEILI_URL: inject('meiliUrl'),
    MEILI_MASTER_KEY: inject('meiliKey'),
    MEILI_INDEX_PREFIX: search.prefix,
    EMBEDDED_SERVICES: '1',
    API_RATE_LIMIT: '1000000',
    CSV_RATE_LIMIT: '1000000',
    CSV_MAX_CONCURRENT: '100',
  });
}, 120_000);
afterAll(async () => {
  console.log(`fuzz: ${tried} inputs tried`);
  await server?.stop();
  await search?.drop();
  await t?.close();
});

/**
 * A marker that must never reach a page unescaped: it closes a quoted
 * attribute and opens an element. Inside an attribute value Astro escapes the
 * quote (`&quot;><fz-x…`, harmless there); in text it escapes the `<`.
 */
const MARK = '"><fz-x onload=1>';
const reflectedUnescaped = (html: string) => html.replaceAll('&quot;><fz-x', '').includes('<fz-x');

const nasty = fc.constantFrom('\u0000', '\u0001', '\u001b[31m', '\r\n', '\t', '\u2028', '\uFEFF', '\uD83D\uDE00', '中文', 'é', '%', '..', '/', '\\', '#', '?', '&', '=', '+', ';', '"', "'", '`', '${x}', MARK);
/** Text a person or a script might send: arbitrary code points, nasty fragments, sometimes huge. */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), nasty), { maxLength: 8 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('A', '中', '%00', MARK), fc.integer({ min: 1_000, max: 4_000 })).map(([s, n]) => s.repeat(n)) },
);
/** Escapes as a broken client might write them, put into an address as is. */
const brokenEscape = fc.constantFrom('%', '%0', '%zz', '%E0%A4', '%C0%AF', '%FF', '%u0041', '%%', '%2', '%00', '%25', '%2e%2e', '%5c');

/**
 * Percent-encodes text (lone surrogates made well-formed first), sometimes
 * splicing in a broken escape. Cut at 3,500 characters (a cut may break an
 * escape too): Node refuses request lines over 16 KiB before the portal sees
 * them; huge values travel in form bodies below.
 */
const encoded = fc.tuple(text, fc.option(brokenEscape, { freq: 4 })).map(([s, broken]) => (encodeURIComponent(s.toWellFormed()) + (broken ?? '')).slice(0, 3_500));

function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(server.url);
  tried++;
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const STACK = /\n\s+at .+:\d+:\d+|node_modules|file:\/\/\/|Failed query|TypeError|ReferenceError|SyntaxError: /;

function expectSafe(what: string, res: { status: number; type: string; body: string }) {
  expect(res.status, `${what} -> ${res.status}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
  expect(res.body, `${what}: a stack trace or an internal error`).not.toMatch(STACK);
  if (res.type.includes('html')) expect(reflectedUnescaped(res.body), `${what}: a value reflected unescaped`).toBe(false);
}

const searchParams = Object.keys(searchParamsSchema.shape);

describe('fuzzing the public API and pages', () => {
  test('every search parameter (API, CSV, page), and unknown ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...searchParams), encoded), encoded), { minLength: 1, maxLength: 4 }), fc.constantFrom('/api/v1/search', '/api/v1/search.csv', '/search', '/zh/search'), async (pairs, route) => {
        const path = `${route}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;
        expectSafe(path, await send(path));
      }),
      { numRuns: RUNS * 2 },
    );
  }, 60_000);

  test('record names and batch numbers (API and pages, both languages)', async () => {
    const routes = ['/api/v1/lines/', '/api/v1/batches/', '/lines/', '/batches/', '/zh/lines/', '/zh/batches/'];
    await fc.assert(
      fc.asyncProperty(encoded, fc.constantFrom(...routes), fc.boolean(), async (value, route, coa) => {
        const path = `${route}${value || 'x'}${coa && route.includes('batches') && !route.startsWith('/api') ? '/coa' : ''}`;
        expectSafe(path, await send(path));
      }),
      { numRuns: RUNS * 2 },
    );
  }, 60_000);
});

function discoverActions(): string[] {
  const source = readFileSync('src/actions/index.ts', 'utf8');
  const block = /export const server = \{([\s\S]*?)\n\};/.exec(source)?.[1] ?? '';
  return [...block.matchAll(/^\s*(\w+)\s*[:,]/gm)].map((m) => m[1]!);
}

/** Every field name any account form has, plus random ones. */
const fieldNames = ['email', 'password', 'displayName', 'institution', 'country', 'locale', 'next', 'token', 'newPassword', 'confirmPassword', 'currentPassword', 'sessionId', 'accountId', 'role'];

describe('fuzzing every form action', () => {
  const actions = discoverActions();
  const pageFor: Record<string, string> = { register: '/register', signIn: '/sign-in', requestPasswordReset: '/forgot-password', resetPassword: '/reset-password', verifyEmail: '/verify-email' };

  test('the actions are discovered', () => expect(actions.length).toBeGreaterThan(5));

  test('form posts to /_actions/<name> and to the pages, with random fields', async () => {
    const field = fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fieldNames) }, { weight: 1, arbitrary: text }), text);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actions), fc.array(field, { maxLength: 6 }), fc.boolean(), fc.boolean(), async (action, fields, viaPage, zh) => {
        const form = new URLSearchParams(fields.map(([k, v]) => [k.toWellFormed(), v.toWellFormed()])).toString();
        const path = viaPage ? `${zh ? '/zh' : ''}${pageFor[action] ?? '/account'}?_action=${action}` : `/_actions/${action}`;
        expectSafe(`${path} ${form.slice(0, 200)}`, await send(path, { method: 'POST', headers: { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form }));
      }),
      { numRuns: RUNS * 2 },
    );
  }, 60_000);

  test('JSON to /_actions/<name>: random values, and text that is not JSON at all', async () => {
    const json = fc.oneof(
      fc.dictionary(fc.oneof(fc.constantFrom(...fieldNames), text), fc.oneof(text, fc.jsonValue())).map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      text,
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actions), json, async (action, body) => {
        const path = `/_actions/${action}`;
        expectSafe(`${path} ${body.slice(0, 200)}`, await send(path, { method: 'POST', headers: { Origin: server.url, 'Content-Type': 'application/json' }, body: body.toWellFormed() }));
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});
