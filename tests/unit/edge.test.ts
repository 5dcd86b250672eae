/** The rules of the HTTP edge, one by one (the HTTP behaviour is in tests/integration/http-edge.test.ts). */
import { describe, expect, test } from 'vitest';
import { safeReturnPath } from '#lib/account-inputs.ts';
import { canonicalPath, segmentAt } from '#lib/path-segments.ts';
import { configuredOrigin, listensOnLoopbackOnly, servesDevMailbox } from '#server/platform/config.ts';
import { toCsv } from '#lib/csv.ts';
import { securityHeaders } from '#server/platform/security-headers.ts';
import {
  bodyLimitFor,
  bodyShape,
  bodyTooLarge,
  clientAddressFrom,
  EdgeLimits,
  findBadAddress,
  inspectBody,
} from '#server/platform/edge.ts';
import { describeError, redactText, safePath } from '#server/platform/log.ts';
import { translator } from '#i18n/index.ts';
import { FORM_OVERHEAD_BYTES, LOGGER_FILE_MAX_BYTES, LOGGER_FILE_MAX_MIB, LOGGER_MAX_READINGS } from '#lib/limits.ts';
import { receiptInput } from '#schemas/bank-inputs.ts';
import { loggerInput } from '#schemas/request-inputs.ts';

describe("the client's address", () => {
  test('no trusted proxy: the connection, whatever X-Forwarded-For says', () => {
    expect(clientAddressFrom('1.1.1.1', '10.0.0.5', 0)).toBe('10.0.0.5');
    expect(clientAddressFrom(null, '10.0.0.5', 1)).toBe('10.0.0.5');
  });
  test('N trusted proxies: the Nth entry from the right; entries further left are the client’s own writing', () => {
    expect(clientAddressFrom('6.6.6.6, 203.0.113.9', '10.0.0.5', 1)).toBe('203.0.113.9');
    expect(clientAddressFrom('6.6.6.6, 203.0.113.9, 10.0.0.4', '10.0.0.5', 2)).toBe('203.0.113.9');
    expect(clientAddressFrom('203.0.113.9', '10.0.0.5', 3), 'fewer hops than proxies: the furthest one known').toBe(
      '203.0.113.9',
    );
    expect(clientAddressFrom(' , ', '10.0.0.5', 1)).toBe('10.0.0.5');
  });
});

describe('return paths after sign-in', () => {
  test.each([
    '//evil.example',
    '/\\evil.example',
    '/.//evil.example',
    '/%2f%2fevil.example',
    '/%2F%2Fevil.example',
    '/%252f%252fevil.example',
    '/%5cevil.example',
    '/%5C/evil.example',
    '/\t/evil.example',
    '/\r\n/evil.example',
    '/%09/evil.example',
    '/%0d%0a/evil.example',
    '/../..//evil.example',
    '//user@evil.example',
    '/\\@evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/%',
    `/${'a'.repeat(3000)}`,
  ])('%j goes home', (next) => {
    expect(safeReturnPath(next)).toBe('/');
  });

  test.each([
    ['/account', '/account'],
    ['/zh/search?q=WA09&category=hesc#results', '/zh/search?q=WA09&category=hesc#results'],
    ['/lines/SECTEST%2BA1', '/lines/SECTEST%2BA1'],
    ['/./account', '/account'],
    ['/a/../account', '/account'],
    ['/@evil.example', '/@evil.example'],
  ])('%j stays: %j', (next, expected) => {
    expect(safeReturnPath(next)).toBe(expected);
  });
});

describe('path segments', () => {
  test('a segment is decoded exactly once', () => {
    const request = (path: string) => new Request(`http://x${path}`);
    expect(segmentAt(request('/lines/SECTEST%2BA1'), 1)).toBe('SECTEST+A1');
    expect(segmentAt(request('/batches/SEC%2F01/coa'), 1)).toBe('SEC/01');
    expect(segmentAt(request('/lines/100%2525'), 1)).toBe('100%25');
    expect(segmentAt(request('/lines/100%'), 1), 'a broken escape').toBeUndefined();
  });
  test('canonical paths cannot leave the site', () => {
    expect(canonicalPath('/\\evil.example')).toBe('/%5Cevil.example');
    expect(canonicalPath('//evil.example/x/')).toBe('/evil.example/x');
    expect(canonicalPath('/lines/SECTEST%2BA1')).toBe('/lines/SECTEST%2BA1');
    expect(canonicalPath('/')).toBe('/');
  });
});

describe('bodies and input', () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request('http://x/_actions/a', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  function chunked(bytes: number) {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= bytes) return c.close();
        sent += 1024;
        c.enqueue(new Uint8Array(1024));
      },
    });
  }

  test('declared lengths are believed; chunked bodies are counted up to the limit', async () => {
    expect(await bodyTooLarge(post('x'.repeat(100), { 'content-length': '100' }), 50)).toBe(true);
    expect(await bodyTooLarge(post('x'.repeat(10)), 50)).toBe(false);
    expect(await bodyTooLarge(post(chunked(64 * 1024)), 8 * 1024)).toBe(true);
    const small = post(chunked(4 * 1024));
    expect(await bodyTooLarge(small, 8 * 1024)).toBe(false);
    expect((await small.arrayBuffer()).byteLength, 'the body is still there for the action').toBe(4 * 1024);
  });

  test('NUL anywhere, broken escapes, and JSON that does not parse', async () => {
    const get = (path: string) => findBadAddress(new URL(`http://x${path}`));
    expect(get('/lines/a%00b')).toBe('nul');
    expect(get('/search?q=a%00b')).toBe('nul');
    expect(get('/lines/%E0%A4')).toBe('encoding');
    expect(get('/lines/SECTEST%2BA1?q=%2B')).toBeUndefined();
    const body = async (text: string, type: string) => (await inspectBody(post(text, { 'content-type': type }))).bad;
    expect(await body('{bad', 'application/json')).toBe('json');
    expect(await body(' ', 'application/json')).toBe('json');
    expect(await body('\uFEFF', 'application/json'), 'a lone byte-order mark (found by the fuzz test)').toBe('json');
    expect(await body('', 'application/json')).toBeUndefined();
    expect(await body('{"a":"b\\u0000"}', 'application/json')).toBe('nul');
    expect(await body('{"a\\u0000":"b"}', 'application/json'), 'in a key').toBe('nul');
    expect(await body('displayName=a%00b', 'application/x-www-form-urlencoded')).toBe('nul');
    expect(
      (await inspectBody(post('a=1&displayName=a%00b', { 'content-type': 'application/x-www-form-urlencoded' }))).field,
      'the field is named',
    ).toBe('displayName');
    expect(await body('displayName=ab', 'application/x-www-form-urlencoded')).toBeUndefined();
  });

  test('hostile shapes: too many fields, long fields, deep or huge JSON, many parts; each stopped without parsing the rest', async () => {
    const form = (text: string) => inspectBody(post(text, { 'content-type': 'application/x-www-form-urlencoded' }));
    const many = 'a&'.repeat(512 * 1024);
    expect((await form(many)).bad, '1 MiB of fields without "="').toBe('fields');
    expect((await form(`a=${'x'.repeat(bodyShape.fieldBytes + 1)}`)).bad).toBe('field-size');
    expect((await form(`${'n'.repeat(bodyShape.fieldNameBytes + 1)}=1`)).bad).toBe('field-size');
    const fine = await form(Array.from({ length: 50 }, (_, i) => `f${i}=${encodeURIComponent(`中文 ${i}`)}`).join('&'));
    expect(fine.bad).toBeUndefined();
    expect(fine.fields).toHaveLength(50);
    expect(fine.fields[3]).toEqual(['f3', '中文 3']);

    const json = async (text: string) => (await inspectBody(post(text, { 'content-type': 'application/json' }))).bad;
    expect(await json('['.repeat(100_000) + ']'.repeat(100_000)), 'deep nesting').toBe('json-shape');
    expect(await json(`[${'1,'.repeat(200_000)}1]`), 'a huge array').toBe('json-shape');
    expect(
      await json('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[","b":"\\"["}'),
      'brackets inside strings do not count',
    ).toBeUndefined();

    const multipart = new FormData();
    for (let i = 0; i < bodyShape.parts + 10; i++) multipart.append(`p${i}`, 'x');
    expect(
      (await inspectBody(new Request('http://x/_actions/a', { method: 'POST', body: multipart }))).bad,
      'many parts',
    ).toBe('fields');
    const files = new FormData();
    files.append('a', new Blob(['1']), 'a.csv');
    files.append('b', new Blob(['2']), 'b.csv');
    expect(
      (await inspectBody(new Request('http://x/_actions/a', { method: 'POST', body: files }))).bad,
      'two files',
    ).toBe('fields');
    const named = new FormData();
    named.append('loggerFile', new Blob(['1']), 'a\u0000.csv');
    expect(
      (await inspectBody(new Request('http://x/_actions/a', { method: 'POST', body: named }))).bad,
      'NUL in a file name: a part header busboy refuses',
    ).toMatch(/nul|malformed/);
    const content = new FormData();
    content.append('requestId', '1');
    content.append('loggerFile', new Blob(['timestamp,temperature_c\n2026-01-01T00:00Z,-190\u0000\n']), 'logger.csv');
    expect(
      await inspectBody(new Request('http://x/_actions/a', { method: 'POST', body: content })),
      'NUL in a file',
    ).toMatchObject({ bad: 'nul', field: 'loggerFile' });
  });

  test('the larger upload limit is for the upload action called by staff, nobody else', () => {
    const url = (p: string) => new URL(`http://x${p}`);
    const staff = { role: 'staff' as const };
    const requester = { role: 'requester' as const };
    expect(bodyLimitFor(url('/_actions/uploadLoggerFile'), '/_actions/uploadLoggerFile', 1024, staff)).toBeGreaterThan(
      1024,
    );
    expect(
      bodyLimitFor(url('/staff/requests/1?_action=uploadLoggerFile'), '/staff/requests/1', 1024, { role: 'admin' }),
    ).toBeGreaterThan(1024);
    expect(bodyLimitFor(url('/_actions/uploadLoggerFile'), '/_actions/uploadLoggerFile', 1024, null)).toBe(1024);
    expect(bodyLimitFor(url('/_actions/uploadLoggerFile'), '/_actions/uploadLoggerFile', 1024, requester)).toBe(1024);
    expect(bodyLimitFor(url('/_actions/signIn'), '/_actions/signIn', 1024, staff)).toBe(1024);
  });
});

describe('one upload limit', () => {
  test('an upload body may carry the largest file the schemas accept plus the form around it, no more', () => {
    const url = (p: string) => new URL(`http://x${p}`);
    const staff = { role: 'staff' as const };
    for (const action of ['uploadLoggerFile', 'receiveBankBatch']) {
      const limit = bodyLimitFor(url(`/_actions/${action}`), `/_actions/${action}`, 1024, staff);
      expect(limit, action).toBe(LOGGER_FILE_MAX_BYTES + FORM_OVERHEAD_BYTES);
    }
    const atLimit = new File(['x'.repeat(LOGGER_FILE_MAX_BYTES)], 'logger.csv');
    const over = new File(['x'.repeat(LOGGER_FILE_MAX_BYTES + 1)], 'logger.csv');
    expect(loggerInput.safeParse({ requestId: '1', loggerFile: atLimit }).success).toBe(true);
    expect(loggerInput.safeParse({ requestId: '1', loggerFile: over }).success).toBe(false);
    expect(receiptInput.shape.loggerFile.safeParse(atLimit).success).toBe(true);
    expect(receiptInput.shape.loggerFile.safeParse(over).success).toBe(false);
  });

  test('the help texts quote the limits that are enforced, in both languages', () => {
    const readings = LOGGER_MAX_READINGS.toLocaleString('en');
    for (const locale of ['en', 'zh'] as const) {
      const t = translator(locale);
      for (const key of ['request.transport.loggerHint', 'request.loggerHelp.portalRules'] as const) {
        expect(t(key), `${locale} ${key}`).toContain(readings);
        expect(t(key), `${locale} ${key}`).toContain(`${LOGGER_FILE_MAX_MIB} MiB`);
      }
    }
  });
});

describe('rate limits', () => {
  test('a budget per address, and a cap on exports running at once', async () => {
    const limits = new EdgeLimits({ API_RATE_LIMIT: 2, CSV_RATE_LIMIT: 1, CSV_MAX_CONCURRENT: 1 });
    expect([await limits.takeApi('a'), await limits.takeApi('a')]).toEqual([0, 0]);
    expect(await limits.takeApi('a')).toBeGreaterThan(0);
    expect(await limits.takeApi('b')).toBe(0);
    let release!: () => void;
    const first = limits.withExportSlot(() => new Promise<string>((r) => (release = () => r('done'))));
    expect(await limits.withExportSlot(async () => 'second'), 'no slot while the first runs').toBeUndefined();
    release();
    expect(await first).toBe('done');
    expect(await limits.withExportSlot(async () => 'third')).toBe('third');
  });
});

describe('configuration', () => {
  test('/dev/mail needs loopback alone', () => {
    for (const HOST of ['127.0.0.1', '::1', 'localhost']) expect(listensOnLoopbackOnly({ HOST })).toBe(true);
    for (const HOST of ['0.0.0.0', '::', '192.168.1.10']) expect(listensOnLoopbackOnly({ HOST })).toBe(false);
  });
  test('/dev/mail answers only a loopback connection that no proxy forwarded, on a local portal (issue 16, finding 7)', () => {
    const local = { HOST: '127.0.0.1', NODE_ENV: 'development' as const, EMBEDDED_SERVICES: true, TRUSTED_PROXIES: 0 };
    const none = new Headers();
    expect(servesDevMailbox(local, '127.0.0.1', none)).toBe(true);
    expect(servesDevMailbox(local, '::1', none)).toBe(true);
    expect(servesDevMailbox(local, '::ffff:127.0.0.1', none)).toBe(true);
    expect(servesDevMailbox(local, '192.168.1.20', none), 'a connection from elsewhere').toBe(false);
    expect(
      servesDevMailbox(local, '127.0.0.1', new Headers({ 'X-Forwarded-For': '203.0.113.9' })),
      'a proxy on the same host',
    ).toBe(false);
    expect(servesDevMailbox(local, '127.0.0.1', new Headers({ Forwarded: 'for=203.0.113.9' }))).toBe(false);
    expect(servesDevMailbox({ ...local, TRUSTED_PROXIES: 1 }, '127.0.0.1', none)).toBe(false);
    expect(servesDevMailbox({ ...local, HOST: '0.0.0.0' }, '127.0.0.1', none)).toBe(false);
    expect(servesDevMailbox({ ...local, NODE_ENV: 'production' }, '127.0.0.1', none)).toBe(false);
    expect(servesDevMailbox({ ...local, EMBEDDED_SERVICES: false }, '127.0.0.1', none)).toBe(false);
  });
  test('links use PUBLIC_URL, else the configured address', () => {
    expect(configuredOrigin({ PUBLIC_URL: 'https://cells.example.org/', HOST: '0.0.0.0', PORT: 4321 })).toBe(
      'https://cells.example.org',
    );
    expect(configuredOrigin({ PUBLIC_URL: undefined, HOST: '127.0.0.1', PORT: 4321 })).toBe('http://127.0.0.1:4321');
    expect(configuredOrigin({ PUBLIC_URL: undefined, HOST: '::1', PORT: 80 })).toBe('http://[::1]:80');
    expect(configuredOrigin({ PUBLIC_URL: undefined, HOST: '0.0.0.0', PORT: 4321 })).toBe('http://localhost:4321');
  });
});

describe('CSV cells and caching (issue 16, finding 8)', () => {
  test('a cell with ";" is quoted (spreadsheets with ";" as their separator would split it), like one with ","', () => {
    expect(toCsv([['a;b', 'c,d', 'plain', 'say "hi"']])).toBe('\uFEFF"a;b","c,d",plain,"say ""hi"""\r\n');
  });

  test('CSV defuses formulas but shows phone numbers and negative numbers as written', () => {
    expect(toCsv([['+44 20 7946 0958', '+86 (10) 6275-1234', '-190.5', '-150']])).toBe(
      '\uFEFF+44 20 7946 0958,+86 (10) 6275-1234,-190.5,-150\r\n',
    );
    expect(toCsv([['=1+2', '+SUM(A1)', '-2+3*cmd|calc', '@A1', '+44 20 HYPERLINK(x)']])).toBe(
      "\uFEFF'=1+2,'+SUM(A1),'-2+3*cmd|calc,'@A1,'+44 20 HYPERLINK(x)\r\n",
    );
  });
  test("a signed-in account's responses are never stored", () => {
    expect(securityHeaders(new Headers(), { production: false, dev: false, signedIn: true })['Cache-Control']).toBe(
      'no-store',
    );
    expect(
      securityHeaders(new Headers(), { production: false, dev: false, signedIn: false })['Cache-Control'],
    ).toBeUndefined();
  });
});

describe('logs', () => {
  test('a failed query logged during an outage keeps its statement, not its parameters (a session id among them)', () => {
    const failed = new Error(
      'Failed query: select "id" from "sessions" where "id" = $1\nparams: abcdefghijklmnopqrstuvwx',
    );
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const described = describeError(Object.assign(failed, { cause }));
    expect(JSON.stringify(described)).not.toContain('abcdefghijklmnopqrstuvwx');
    expect(described).toMatchObject({
      message: expect.stringContaining('from "sessions"'),
      cause: { code: 'ECONNREFUSED' },
    });
  });

  test('paths keep only the names of query parameters; free text loses tokens', () => {
    expect(safePath(new URL('http://x/reset-password?token=abc&x=1'))).toEqual({
      path: '/reset-password',
      queryKeys: ['token', 'x'],
    });
    expect(redactText('Could not render http://x/a?token=abc then session=abc.def')).toBe(
      'Could not render http://x/a?[redacted] then session=[redacted]',
    );
  });
});
