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
import { makeAccount, sessionCookie } from '../support/accounts.ts';
import { callerFor, driveTo, must, seedLineWithBatch, sendOut, submittedRequest } from '../support/requests.ts';
import { recordTransport } from '#server/requests/shipments.ts';
import { useTestSearch } from '../support/search.ts';
import { startPortalServer, type RunningServer } from '../support/server.ts';

let t: TestDatabase;
let search: Awaited<ReturnType<typeof useTestSearch>>;
let server: RunningServer;
let tried = 0;
/** An admin's session (admins may call every action, so the fuzzer reaches every handler) and a requester's. */
let admin: { cookie: string; id: string };
let requester: { cookie: string };
/** A request whose shipment is recorded and which is then closed. */
let closedRequestId: number;

// Enough runs to cover each target many times, few enough to stay well under a minute on two shared cores.
const RUNS = 150;

beforeAll(async () => {
  t = await useTestDatabase();
  search = await useTestSearch(t);
  const r = await importText(t.pool, 'lines.csv', 'name,category\nFUZZ-LINE-1,iPSC\n');
  expect(r.problems).toEqual([]);
  await search.sync();
  const adminAccount = await makeAccount(t.db, 'admin');
  admin = { cookie: (await sessionCookie(t.db, adminAccount.id)).cookie, id: adminAccount.id };
  const requesterAccount = await makeAccount(t.db, 'requester');
  requester = await sessionCookie(t.db, requesterAccount.id);
  await seedLineWithBatch(t.pool, 'FUZZ-REQ-LINE', 'FUZZ-REQ-B1', 20);
  const staffA = callerFor(await makeAccount(t.db, 'staff'));
  closedRequestId = await submittedRequest(t.db, callerFor(requesterAccount), 'FUZZ-REQ-LINE', 'FUZZ-REQ-B1', 2);
  await driveTo(t.db, closedRequestId, 'released', staffA);
  await sendOut(t.db, closedRequestId, callerFor(await makeAccount(t.db, 'staff')), staffA);
  must(
    await recordTransport(t.db, staffA, closedRequestId, {
      dispatchAt: new Date('2026-11-21T08:00:00Z'),
      dispatchPlace: 'Bank',
      dispatchTempC: -190,
      requiredMinC: -196,
      requiredMaxC: -150,
      batchNumbers: 'FUZZ-REQ-B1',
      quantity: 2,
      deviceNumber: 'D',
      vehicle: 'van',
      carrier: 'C',
      courier: 'W',
    }),
  );
  // Closed the short way (the states in between are the request tests' business).
  await t.pool.query("UPDATE requests SET state = 'closed' WHERE id = $1", [closedRequestId]);
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

const nasty = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\u001b[31m',
  '\r\n',
  '\t',
  '\u2028',
  '\uFEFF',
  '\uD83D\uDE00',
  '中文',
  'é',
  '%',
  '..',
  '/',
  '\\',
  '#',
  '?',
  '&',
  '=',
  '+',
  ';',
  '"',
  "'",
  '`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the attack
  '${x}',
  MARK,
);
/** Text a person or a script might send: arbitrary code points, nasty fragments, sometimes huge. */
const text = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), nasty), { maxLength: 8 })
      .map((parts) => parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('A', '中', '%00', MARK), fc.integer({ min: 1_000, max: 4_000 }))
      .map(([s, n]) => s.repeat(n)),
  },
);
/** Escapes as a broken client might write them, put into an address as is. */
const brokenEscape = fc.constantFrom(
  '%',
  '%0',
  '%zz',
  '%E0%A4',
  '%C0%AF',
  '%FF',
  '%u0041',
  '%%',
  '%2',
  '%00',
  '%25',
  '%2e%2e',
  '%5c',
);

/**
 * Percent-encodes text (lone surrogates made well-formed first), sometimes
 * splicing in a broken escape. Cut at 3,500 characters (a cut may break an
 * escape too): Node refuses request lines over 16 KiB before the portal sees
 * them; huge values travel in form bodies below.
 */
const encoded = fc
  .tuple(text, fc.option(brokenEscape, { freq: 4 }))
  .map(([s, broken]) => (encodeURIComponent(s.toWellFormed()) + (broken ?? '')).slice(0, 3_500));

function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(server.url);
  tried++;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), body }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const STACK = /\n\s+at .+:\d+:\d+|node_modules|file:\/\/\/|Failed query|TypeError|ReferenceError|SyntaxError: /;
/** What a database error brings along: the statement, its parameters, PostgreSQL's own words. */
const SQL =
  /\b(insert into|select .{1,200} from|update .{1,100} set|delete from)\b|params:|violates|out of range for type|invalid input syntax|relation "|\bSQLSTATE\b/i;

function expectSafe(what: string, res: { status: number; type: string; body: string }) {
  expect(res.status, `${what} -> ${res.status}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
  expect(res.body, `${what}: a stack trace or an internal error`).not.toMatch(STACK);
  expect(res.body, `${what}: SQL or a database error`).not.toMatch(SQL);
  if (res.type.includes('html'))
    expect(reflectedUnescaped(res.body), `${what}: a value reflected unescaped`).toBe(false);
}

const searchParams = Object.keys(searchParamsSchema.shape);

describe('fuzzing the public API and pages', () => {
  test('every search parameter (API, CSV, page), and unknown ones', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.oneof(fc.constantFrom(...searchParams), encoded), encoded), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom('/api/v1/search', '/api/v1/search.csv', '/search', '/zh/search'),
        async (pairs, route) => {
          const path = `${route}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;
          expectSafe(path, await send(path));
        },
      ),
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
const fieldNames = [
  'email',
  'password',
  'displayName',
  'institution',
  'country',
  'locale',
  'next',
  'token',
  'newPassword',
  'confirmPassword',
  'currentPassword',
  'sessionId',
  'accountId',
  'role',
  // the request chain, saved searches and prices
  'requestId',
  'itemId',
  'batchId',
  'deviationId',
  'noticeId',
  'id',
  'line',
  'batch',
  'quantity',
  'projectTitle',
  'purpose',
  'reason',
  'comment',
  'body',
  'condition',
  'assessment',
  'plannedDate',
  'actualDate',
  'dispatchAt',
  'arrivalAt',
  'dispatchTempC',
  'arrivalTempC',
  'requiredMinC',
  'requiredMaxC',
  'status',
  'amount',
  'currency',
  'useCategory',
  'effectiveDate',
  'name',
  'query',
  'alert',
  'submit',
  'acceptAgreement',
  'loggerFile',
];
/** Values at the edges of what the columns hold (issue 16: each of these once answered 500). */
const edgeValue = fc.constantFrom(
  '3000000000',
  '2147483648',
  '-1',
  '0',
  '1e309',
  '9'.repeat(40),
  '0000-01-01',
  '0000-01-01T00:00Z',
  '2026-13-45',
  '2026-02-30T10:00',
  '1',
  String(2 ** 53),
  'NaN',
  '-0',
);

describe('fuzzing every form action', () => {
  const actions = discoverActions();
  const pageFor: Record<string, string> = {
    register: '/register',
    signIn: '/sign-in',
    requestPasswordReset: '/forgot-password',
    resetPassword: '/reset-password',
    verifyEmail: '/verify-email',
  };

  test('the actions are discovered', () => expect(actions.length).toBeGreaterThan(5));

  test('form posts to /_actions/<name> and to the pages, with random fields, anonymous and signed in as an admin (every handler reached)', async () => {
    const field = fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fieldNames) }, { weight: 1, arbitrary: text }),
      fc.oneof({ weight: 3, arbitrary: text }, { weight: 2, arbitrary: edgeValue }),
    );
    // Signing out would end the fuzzer's own session.
    const signedInActions = actions.filter((a) => a !== 'signOut');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...signedInActions),
        fc.array(field, { maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('anonymous', 'admin', 'requester'),
        async (action, fields, viaPage, zh, who) => {
          const form = new URLSearchParams(fields.map(([k, v]) => [k.toWellFormed(), v.toWellFormed()])).toString();
          const path = viaPage
            ? `${zh ? '/zh' : ''}${pageFor[action] ?? '/account'}?_action=${action}`
            : `/_actions/${action}`;
          const cookie: Record<string, string> =
            who === 'admin' ? { Cookie: admin.cookie } : who === 'requester' ? { Cookie: requester.cookie } : {};
          expectSafe(
            `${who} ${path} ${form.slice(0, 200)}`,
            await send(path, {
              method: 'POST',
              headers: { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded', ...cookie },
              body: form,
            }),
          );
        },
      ),
      { numRuns: RUNS * 3 },
    );
  }, 120_000);

  test('JSON to /_actions/<name>: random values, and text that is not JSON at all', async () => {
    const json = fc.oneof(
      fc
        .dictionary(fc.oneof(fc.constantFrom(...fieldNames), text), fc.oneof(text, fc.jsonValue()))
        .map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      text,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...actions.filter((a) => a !== 'signOut')),
        json,
        fc.boolean(),
        async (action, body, signedIn) => {
          const path = `/_actions/${action}`;
          expectSafe(
            `${path} ${body.slice(0, 200)}`,
            await send(path, {
              method: 'POST',
              headers: {
                Origin: server.url,
                'Content-Type': 'application/json',
                ...(signedIn ? { Cookie: admin.cookie } : {}),
              },
              body: body.toWellFormed(),
            }),
          );
        },
      ),
      { numRuns: RUNS },
    );
  }, 60_000);
});

describe('inputs that answered 500 with the SQL (issue 16, finding 3): now 400 naming the field', () => {
  type Answer = { status: number; body: string };
  const post = async (
    action: string,
    fields: Record<string, string> | FormData,
    cookie = admin.cookie,
  ): Promise<Answer> => {
    tried++;
    const res = await fetch(`${server.url}/_actions/${action}`, {
      method: 'POST',
      headers: { Origin: server.url, Cookie: cookie },
      body: fields instanceof FormData ? fields : new URLSearchParams(fields),
    });
    return { status: res.status, body: await res.text() };
  };
  /** 400, the field named (Zod's `fields`, or a service's message naming it), no SQL. */
  function expectFieldError(what: string, answer: Answer, field: string) {
    expect(answer.status, `${what}: ${answer.body.slice(0, 300)}`).toBe(400);
    expect(answer.body, what).not.toMatch(SQL);
    expect(answer.body, what).not.toMatch(STACK);
    const json = JSON.parse(answer.body) as { fields?: Record<string, unknown>; field?: string; message?: string };
    const named =
      Object.keys(json.fields ?? {}).includes(field) ||
      json.field === field ||
      decodeURIComponent(json.message ?? '').includes(field);
    expect(named, `${what}: names ${field}: ${answer.body.slice(0, 300)}`).toBe(true);
  }
  const logger = (name: string, text: string) => {
    const f = new FormData();
    f.set('requestId', String(closedRequestId));
    f.set('loggerFile', new Blob([text], { type: 'text/csv' }), name);
    return f;
  };

  test('ids past what a serial column holds', async () => {
    expectFieldError(
      'batchId=3000000000',
      await post('setBatchReleaseStatus', { batchId: '3000000000', status: 'recalled', reason: 'r', password: 'x' }),
      'batchId',
    );
    expectFieldError(
      'batchId=3000000000 (price)',
      await post('setBatchPrice', { batchId: '3000000000', useCategory: 'research', amount: '1', currency: 'EUR' }),
      'batchId',
    );
    expectFieldError(
      'requestId=2147483648',
      await post('withdrawRequest', { requestId: '2147483648', reason: 'x' }, requester.cookie),
      'requestId',
    );
    expectFieldError('saved search id', await post('deleteSavedSearch', { id: '3000000000' }, requester.cookie), 'id');
    // The bound is the column's, not lower: the largest serial still answers "not found".
    expect(
      (await post('setBatchReleaseStatus', { batchId: '2147483647', status: 'recalled', reason: 'r', password: 'x' }))
        .status,
    ).not.toBe(500);
  });

  test('dates that do not exist or that PostgreSQL cannot store', async () => {
    for (const arrivalAt of ['0000-01-01T00:00Z', '2026-13-45T10:00', '2026-02-30T10:00']) {
      expectFieldError(
        `arrivalAt=${arrivalAt}`,
        await post('recordArrival', {
          requestId: String(closedRequestId),
          arrivalAt,
          arrivalPlace: 'Lab',
          arrivalTempC: '-190',
          receiver: 'R',
        }),
        'arrivalAt',
      );
    }
    expectFieldError(
      'plannedDate=2026-13-45',
      await post('executeOutbound', {
        requestId: '1',
        password: 'x',
        plannedDate: '2026-13-45',
        actualDate: '2026-11-01',
      }),
      'plannedDate',
    );
    for (const to of ['2026-13-45', '0000-01-01']) {
      tried++;
      const res = await fetch(`${server.url}/api/v1/staff/registers/outbound.csv?from=2026-01-01&to=${to}`, {
        headers: { Cookie: admin.cookie },
      });
      expect(res.status, `registers to=${to}`).toBe(400);
      expect(await res.json()).toMatchObject({ parameter: 'to' });
    }
  });

  test('a logger file: NUL in its name or its text, a reading dated 0000 or 2026-13-45', async () => {
    const header = 'timestamp,temperature_c\n';
    expectFieldError(
      'NUL in the text',
      await post('uploadLoggerFile', logger('logger.csv', `${header}2026-11-20T08:00:00Z,-190\u0000\n`)),
      'loggerFile',
    );
    expectFieldError(
      'a comment with NUL',
      await post('uploadLoggerFile', logger('logger.csv', `# note \u0000\n${header}2026-11-20T08:00:00Z,-190\n`)),
      'loggerFile',
    );
    const named = await post('uploadLoggerFile', logger('log\u0000ger.csv', `${header}2026-11-20T08:00:00Z,-190\n`));
    expect(named.status, named.body).toBe(400);
    expect(named.body).not.toMatch(SQL);
    expectFieldError(
      'year 0000',
      await post('uploadLoggerFile', logger('logger.csv', `${header}0000-11-20T08:00:00Z,-190\n`)),
      'loggerFile',
    );
    expectFieldError(
      '2026-13-45',
      await post('uploadLoggerFile', logger('logger.csv', `${header}2026-13-45T08:00:00Z,-190\n`)),
      'loggerFile',
    );
    const hobo =
      '"Plot Title: 1"\n"#","Date Time, GMT+08:00","Temp, °C (LGR S/N: 1, SEN S/N: 1)"\n1,13/45/26 08:00:00 AM,-190\n';
    expectFieldError('HOBO 13/45/26', await post('uploadLoggerFile', logger('hobo.csv', hobo)), 'loggerFile');
  });

  test('a deviation on a closed request (an excursion in its logger file, a warm arrival)', async () => {
    const warm =
      'timestamp,temperature_c\n2026-11-20T08:00:00Z,-190\n2026-11-20T08:10:00Z,-20\n2026-11-20T08:20:00Z,-20\n2026-11-20T08:30:00Z,-190\n';
    expectFieldError('logger with an excursion', await post('uploadLoggerFile', logger('warm.csv', warm)), 'requestId');
    expectFieldError(
      'warm arrival',
      await post('recordArrival', {
        requestId: String(closedRequestId),
        arrivalAt: '2026-11-22T10:00',
        arrivalPlace: 'Lab',
        arrivalTempC: '5',
        receiver: 'R',
      }),
      'requestId',
    );
  });

  test("an error no action expected: a generic message with the request id, in the reader's language, and the cause in the log", async () => {
    // Make the saved searches table fail the way a bug or a deadlock would (as the database's owner; restored after).
    await t.pool.query(
      `CREATE OR REPLACE FUNCTION fuzz_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'SECRET-CAUSE-42 in %', TG_TABLE_NAME; END $$`,
    );
    await t.pool.query(
      'CREATE TRIGGER fuzz_fail BEFORE INSERT ON saved_searches FOR EACH ROW EXECUTE FUNCTION fuzz_fail()',
    );
    try {
      for (const [language, words] of [
        ['en', 'Something went wrong'],
        ['zh-CN', '服务器出错'],
      ] as const) {
        const res = await fetch(`${server.url}/_actions/saveSearch`, {
          method: 'POST',
          headers: { Origin: server.url, Cookie: requester.cookie, 'Accept-Language': language },
          body: new URLSearchParams({ name: 'mine', query: 'q=ipsc' }),
        });
        const body = await res.text();
        const requestId = res.headers.get('x-request-id')!;
        expect(res.status).toBe(500);
        expect(body).not.toMatch(/SECRET-CAUSE|insert into|params:/i);
        expect(JSON.parse(body).message).toContain(words);
        expect(JSON.parse(body).message).toContain(requestId);
        // The cause is in the server's log, on a line carrying the same request id.
        await expect
          .poll(
            () =>
              server
                .output()
                .split('\n')
                .some((l) => l.includes(requestId) && l.includes('action failed') && l.includes('SECRET-CAUSE-42')),
            { timeout: 5_000 },
          )
          .toBe(true);
      }
      // From the page's form: the page, in Chinese, with the reference.
      const page = await fetch(`${server.url}/zh/search?q=ipsc&_action=saveSearch`, {
        method: 'POST',
        headers: { Origin: server.url, Cookie: requester.cookie },
        body: new URLSearchParams({ name: 'mine', query: 'q=ipsc' }),
      });
      const html = await page.text();
      expect(html).not.toMatch(/SECRET-CAUSE|insert into/i);
      expect(html).toContain('服务器出错');
      expect(html).toContain(page.headers.get('x-request-id')!);
    } finally {
      await t.pool.query('DROP TRIGGER fuzz_fail ON saved_searches');
    }
  });
});
