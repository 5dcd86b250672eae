/**
 * The HTTP edge against the built portal: the body limit, the client's address,
 * return paths after sign-in, /dev/mail and mail links, input that used to
 * answer 500, names with reserved characters, the language link, rate limits
 * and the logs.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { importText } from '#server/catalog/import/import-file.ts';
import { batchPath, linePath } from '#server/catalog/catalog-json.ts';
import { makeAccount, sessionCookie, TEST_PASSWORD } from '../support/accounts.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import { useTestSearch } from '../support/search.ts';
import { startPortalServer, type RunningServer } from '../support/server.ts';

let t: TestDatabase;
let search: Awaited<ReturnType<typeof useTestSearch>>;
let server: RunningServer;
/** TRUSTED_PROXIES=1 and small budgets, for the address and rate-limit tests. */
let proxied: RunningServer;

// Names the import format allows, with every character that means something in a URL.
const LINES = ['SECTEST+A1', 'SEC A/B #1?', '100%25 干细胞', '中文细胞系 x&y=z'];
const BATCHES = ['SEC/01', 'SEC.02-x_y/z'];

const services = () => ({
  DATABASE_URL: t.url,
  MEILI_URL: inject('meiliUrl'),
  MEILI_MASTER_KEY: inject('meiliKey'),
  MEILI_INDEX_PREFIX: search.prefix,
  EMBEDDED_SERVICES: '1',
});
const csvCell = (v: string) => `"${v.replace(/"/g, '""')}"`;

beforeAll(async () => {
  t = await useTestDatabase();
  search = await useTestSearch(t);
  const lines = await importText(
    t.pool,
    'lines.csv',
    `name,category\n${LINES.map((n) => `${csvCell(n)},iPSC`).join('\n')}\n`,
  );
  expect(lines.problems).toEqual([]);
  const batches = await importText(
    t.pool,
    'batches.csv',
    `batch_number,line,type,grade,release_status,vials_total,vials_available,vials_reserved,vials_shipped\n${BATCHES.map((b) => `${b},SECTEST+A1,distribution,research,released,5,5,0,0`).join('\n')}\n`,
  );
  expect(batches.problems).toEqual([]);
  await search.sync();
  [server, proxied] = await Promise.all([
    startPortalServer(services()),
    startPortalServer({ ...services(), TRUSTED_PROXIES: '1', API_RATE_LIMIT: '5', CSV_RATE_LIMIT: '2' }),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.stop(), proxied?.stop()]);
  await search?.drop();
  await t?.close();
});

/** A raw request (fetch normalises addresses and refuses a Host header). */
function raw(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Posts `size` bytes of form body, declared or chunked; resolves as soon as the
 * answer starts, with its status and how much of the body had been sent by then.
 */
function postLarge(
  base: string,
  path: string,
  size: number,
  chunked: boolean,
): Promise<{ status: number; sent: number }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers: Record<string, string> = { Origin: base, 'Content-Type': 'application/x-www-form-urlencoded' };
    if (!chunked) headers['Content-Length'] = String(size);
    const req = http.request({ hostname, port, path, method: 'POST', headers }, (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode!, sent });
      req.destroy();
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < size && !answered) {
        const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    req.write('email=');
    sent += 6;
    pump();
  });
}

const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

describe('the web server (scripts/lib/web-server.mjs)', () => {
  test('a built asset is served from the client folder with a year of immutable caching; what is not a file reaches the app', async () => {
    const page = await raw(server.url, '/');
    const asset = /\/_astro\/[\w.-]+\.css/.exec(page.body)?.[0];
    expect(asset, 'the home page links its stylesheet').toBeDefined();
    const css = await raw(server.url, asset!);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.headers['x-content-type-options']).toBe('nosniff');
    // An asset name that is not in the build, and a page address: the app answers (its 404 page, its page).
    const missing = await raw(server.url, '/_astro/nothing-here.css');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-security-policy']).toBeDefined();
    expect(page.status).toBe(200);
    expect(page.headers['x-cache']).toBeDefined();
    // Outside the client folder, however spelled, nothing is read.
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/_astro/../../server/entry.mjs'])
      expect((await raw(server.url, path)).body).not.toContain('"dependencies"');
    expect((await raw(server.url, '/%E0%A4%A')).status).toBe(400);
  });
});

describe('the body limit', () => {
  test('a 64 MiB form post, declared or chunked, to a page action or /_actions, gets 413 before it is sent, and the server does not hold it', async () => {
    const size = 64 * 1024 * 1024;
    // Warm up (workers, the routes' code) so what follows measures the bodies only.
    await fetch(`${server.url}/sign-in`);
    const before = rssBytes(server.pid);
    const started = performance.now();
    const figures: string[] = [];
    for (const path of [
      '/sign-in?_action=signIn',
      '/_actions/signIn',
      '/zh/sign-in?_action=signIn',
      '/register?_action=register',
    ]) {
      for (const chunked of [false, true]) {
        const { status, sent } = await postLarge(server.url, path, size, chunked);
        figures.push(`${(sent / 2 ** 20).toFixed(1)}`);
        const what = `${path} ${chunked ? 'chunked' : 'with Content-Length'}`;
        expect(status, what).toBe(413);
        // The answer came while the client was still sending: nobody waited for (or read) the whole body.
        expect(sent, what).toBeLessThan(size);
      }
    }
    const grown = rssBytes(server.pid) - before;
    // Figures for the record (not asserted: timing depends on the machine).
    console.log(
      `body limit: 8 posts of 64 MiB answered 413 in ${Math.round(performance.now() - started)} ms in all, after ${figures.join(', ')} MiB sent; server RSS grew ${(grown / 2 ** 20).toFixed(1)} MiB`,
    );
    // Resident memory is a coarse measure (V8 keeps freed heap for a while); holding even one body would exceed it.
    expect(grown, `memory grew by ${(grown / 2 ** 20).toFixed(1)} MiB over 8 posts of 64 MiB`).toBeLessThan(size);
  });

  test('a data logger file of 2 MiB reaches its upload action for signed-in staff only; anyone else, and any other action, gets 413 unread', async () => {
    const rows = Array.from(
      { length: 70_000 },
      (_, i) => `${new Date(Date.UTC(2026, 10, 20) + i * 60_000).toISOString()},-190.5`,
    ).join('\n');
    const form = () => {
      const f = new FormData();
      f.set('requestId', '1');
      f.set('loggerFile', new Blob([`timestamp,temperature_c\n${rows}\n`], { type: 'text/csv' }), 'big-logger.csv');
      return f;
    };
    const anonymous = await fetch(`${server.url}/_actions/uploadLoggerFile`, {
      method: 'POST',
      headers: { Origin: server.url },
      body: form(),
    });
    expect(anonymous.status, 'the larger limit is decided before reading, and only for staff').toBe(413);
    const requester = await sessionCookie(t.db, (await makeAccount(t.db, 'requester')).id);
    const asRequester = await fetch(`${server.url}/_actions/uploadLoggerFile`, {
      method: 'POST',
      headers: { Origin: server.url, Cookie: requester.cookie },
      body: form(),
    });
    expect(asRequester.status).toBe(413);
    const staff = await sessionCookie(t.db, (await makeAccount(t.db, 'staff')).id);
    const upload = await fetch(`${server.url}/_actions/uploadLoggerFile`, {
      method: 'POST',
      headers: { Origin: server.url, Cookie: staff.cookie },
      body: form(),
    });
    expect(
      upload.status,
      `past the general limit, reaches the action (no request 1 here): ${await upload.clone().text()}`,
    ).toBe(404);
    const elsewhere = await fetch(`${server.url}/_actions/signIn`, {
      method: 'POST',
      headers: { Origin: server.url, Cookie: staff.cookie },
      body: form(),
    });
    expect(elsewhere.status).toBe(413);
  });

  test('a body under the limit still reaches the action', async () => {
    const res = await raw(server.url, '/sign-in?_action=signIn', {
      method: 'POST',
      headers: { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'email=nobody%40example.org&password=wrong-but-present',
    });
    expect(res.status).toBe(401);
  });
});

describe('hostile bodies (fields and sizes limited while the body streams in, before any parser)', () => {
  const MiB = 1024 * 1024;
  /**
   * Posts a body with its length declared; the time until the answer's status
   * line. The server may answer (and close) before it has read everything: a
   * write error after the answer is expected.
   */
  function timedPost(
    path: string,
    body: string,
    type: string,
  ): Promise<{ status: number; ms: number; body: string; id: string }> {
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      let answered = false;
      const started = performance.now();
      const req = http.request(
        {
          hostname,
          port,
          path,
          method: 'POST',
          headers: { Origin: server.url, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          answered = true;
          const ms = performance.now() - started;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          const id = String(res.headers['x-request-id'] ?? '');
          res.on('end', () => resolve({ status: res.statusCode!, ms, body: text, id }));
          res.on('error', (e) => resolve({ status: res.statusCode!, ms, body: `${text} [${e.message}]`, id }));
        },
      );
      req.on('error', (e) => {
        if (!answered) reject(e);
      });
      req.end(body);
    });
  }

  /** How long the server itself spent on a request: the `ms` of its access log line. */
  async function serverMs(id: string): Promise<number> {
    // pino writes asynchronously: the line may arrive a moment after the answer.
    for (let i = 0; i < 100; i++) {
      const line = server
        .output()
        .split('\n')
        .find((l) => l.includes(`"requestId":"${id}"`) && l.includes('"msg":"request"'));
      if (line) return (JSON.parse(line) as { ms: number }).ms;
      await new Promise((r) => setTimeout(r, 20));
    }
    return Number.NaN;
  }

  test('a 1 MiB form body of fields without "=" is refused in under 100 ms, while other requests keep answering', async () => {
    const hostile = 'a&'.repeat(MiB / 2);
    expect(hostile.length).toBe(MiB);
    const paths = [
      '/_actions/signIn',
      '/sign-in?_action=signIn',
      '/zh/register?_action=register',
      '/_actions/uploadLoggerFile',
    ];
    // Warm up the routes (the first render of a page compiles its code), so what follows measures the bodies.
    for (const path of paths) await timedPost(path, hostile, 'application/x-www-form-urlencoded');
    await fetch(`${server.url}/api/health`);
    let answered = 0;
    let slowest = 0;
    let stop = false;
    const other = (async () => {
      while (!stop) {
        const t0 = performance.now();
        const res = await fetch(`${server.url}/api/health`);
        await res.arrayBuffer();
        slowest = Math.max(slowest, performance.now() - t0);
        if (res.ok) answered++;
      }
    })();
    const figures: string[] = [];
    try {
      for (const path of paths) {
        const times: number[] = [];
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const { status, ms, body, id } = await timedPost(path, hostile, 'application/x-www-form-urlencoded');
          times.push(ms);
          ids.push(id);
          expect(status, path).toBe(400);
          if (path.startsWith('/_actions'))
            expect(JSON.parse(body)).toMatchObject({
              error: 'bad_request',
              message: expect.stringContaining('too many fields'),
            });
          else expect(body).toContain(path.startsWith('/zh') ? '请求无效' : 'Bad request');
        }
        const spent = await Promise.all(ids.map(serverMs));
        const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b).map(Math.round);
        figures.push(`${path}: client ${sorted(times).join('/')}, server ${sorted(spent).join('/')}`);
        // The one timing assertion of the suite, asked for by issue 16 (the old edge spent seconds parsing this):
        // the server's own time for the request (its access log), median of five so that one moment of a shared
        // machine's scheduler does not decide; and the client, sending the whole MiB, never waits long.
        expect(sorted(spent)[2], `${path}: the server spent ${sorted(spent).join(', ')} ms`).toBeLessThan(100);
        expect(sorted(times)[4], `${path}: answered after ${sorted(times).join(', ')} ms`).toBeLessThan(1_000);
      }
    } finally {
      stop = true;
      await other;
    }
    expect(server.output(), 'the server is still there').not.toMatch(/Uncaught|unhandled/i);
    console.log(
      `hostile bodies: 1 MiB "a&a&…" refused (ms, sorted) ${figures.join('; ')}; meanwhile /api/health answered ${answered} times, slowest ${Math.round(slowest)} ms`,
    );
    expect(answered, 'other requests were served meanwhile').toBeGreaterThan(0);
    expect(slowest, 'no other request waited on the hostile ones (generous: a busy shared machine)').toBeLessThan(
      2_000,
    );
  });

  test('JSON nested deeply or holding a huge array, multipart with many parts, and a field too long: 400 naming the limit', async () => {
    const deep = await timedPost('/_actions/signIn', '['.repeat(200_000) + ']'.repeat(200_000), 'application/json');
    expect(deep.status).toBe(400);
    expect(JSON.parse(deep.body).message).toMatch(/nested too deeply/);
    const huge = await timedPost('/_actions/signIn', `{"email":[${'0,'.repeat(400_000)}0]}`, 'application/json');
    expect(huge.status).toBe(400);
    const boundary = 'x-hostile-boundary';
    const parts = `${Array.from(
      { length: 5_000 },
      (_, i) => `--${boundary}\r\nContent-Disposition: form-data; name="p${i}"\r\n\r\nx\r\n`,
    ).join('')}--${boundary}--\r\n`;
    const multipart = await timedPost('/_actions/signIn', parts, `multipart/form-data; boundary=${boundary}`);
    expect(multipart.status).toBe(400);
    expect(JSON.parse(multipart.body).message).toMatch(/too many fields/);
    const long = await timedPost(
      '/_actions/register',
      `displayName=${'x'.repeat(100_000)}`,
      'application/x-www-form-urlencoded',
    );
    expect(long.status).toBe(400);
    expect(JSON.parse(long.body)).toMatchObject({
      field: 'displayName',
      message: expect.stringContaining('displayName: A field of the form is too long'),
    });
    expect(server.output(), 'the server is still there').not.toMatch(/Uncaught|unhandled/i);
    for (const r of [deep, huge, multipart, long]) expect(r.ms, 'answered at once (generous)').toBeLessThan(2_000);
  });
});

describe("the client's address", () => {
  async function signInFrom(base: string, forwardedFor: string) {
    const account = await makeAccount(t.db, 'requester');
    const res = await raw(base, '/sign-in?_action=signIn', {
      method: 'POST',
      headers: { Origin: base, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': forwardedFor },
      body: new URLSearchParams({ email: account.email, password: TEST_PASSWORD }).toString(),
    });
    expect(res.status).toBe(303);
    const rows = await t.db.execute<{ ip_address: string }>(
      sql`SELECT s.ip_address FROM sessions s WHERE s.account_id = ${account.id}`,
    );
    return rows.rows[0]!.ip_address;
  }

  test('with no trusted proxy (the default) X-Forwarded-For is ignored: the socket is the client', async () => {
    expect(await signInFrom(server.url, '203.0.113.7')).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  test('with TRUSTED_PROXIES=1 the client is the rightmost entry; what the client wrote to the left is ignored', async () => {
    expect(await signInFrom(proxied.url, '6.6.6.6, 203.0.113.9')).toBe('203.0.113.9');
  });
});

describe('the return path after sign-in', () => {
  const bypasses = [
    '//evil.example',
    '/\\evil.example',
    '/.//evil.example',
    '/./\\evil.example',
    '/%2f%2fevil.example',
    '/%2F/evil.example',
    '/%5cevil.example',
    '/%5c%5cevil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/%09/evil.example',
    '/%0a/evil.example',
    '///evil.example',
    '/../..//evil.example',
    'https://evil.example',
    'http:evil.example',
    '//user:pass@evil.example',
    '/@evil.example',
    '/ /evil.example',
  ];

  test.each(bypasses)('next=%j ends on this origin', async (next) => {
    const account = await makeAccount(t.db, 'requester');
    const res = await raw(server.url, '/sign-in?_action=signIn', {
      method: 'POST',
      headers: { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: account.email, password: TEST_PASSWORD, next }).toString(),
    });
    expect(res.status).toBe(303);
    const location = res.headers.location!;
    expect(location).toMatch(/^\/(?![/\\])/);
    expect(location).not.toMatch(/[\u0000-\u001f\\]/);
    expect(new URL(location, server.url).origin).toBe(server.url);
    // Decoded as a proxy or a browser might, it is still a path here.
    expect(decodeURIComponent(location)).not.toMatch(/^[/\\]{2}/);
  });

  test('an ordinary path with its query survives', async () => {
    const account = await makeAccount(t.db, 'requester');
    const res = await raw(server.url, '/sign-in?_action=signIn', {
      method: 'POST',
      headers: { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        email: account.email,
        password: TEST_PASSWORD,
        next: '/zh/search?q=WA09',
      }).toString(),
    });
    expect(res.headers.location).toBe('/zh/search?q=WA09');
  });
});

describe('the development mailbox and mail links', () => {
  test('/dev/mail is served only when the server listens on loopback alone', async () => {
    expect((await fetch(`${server.url}/dev/mail`)).status).toBe(200);
    // A proxy on the same host connects from loopback too, and says whom it forwards for (issue 16, finding 7).
    expect((await raw(server.url, '/dev/mail', { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status).toBe(404);
    const open = await startPortalServer({ ...services(), HOST: '0.0.0.0' });
    try {
      expect((await fetch(`${open.url}/dev/mail`)).status).toBe(404);
    } finally {
      await open.stop();
    }
  });

  test('a reset link is built from the configured origin, never from the Host the request names', async () => {
    const account = await makeAccount(t.db, 'requester');
    const evil = 'evil.example:9999';
    const res = await raw(server.url, '/forgot-password?_action=requestPasswordReset', {
      method: 'POST',
      headers: { Host: evil, Origin: `http://${evil}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: account.email, locale: 'en' }).toString(),
    });
    expect(res.status).toBeLessThan(400);
    const rows = await t.db.execute<{ body: string }>(sql`SELECT body FROM mail_outbox WHERE "to" = ${account.email}`);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]!.body).not.toContain('evil.example');
    expect(rows.rows[0]!.body).toContain(`${server.url}/reset-password?token=`);
  });
});

describe('input that used to answer 500', () => {
  const securityHeaders = (h: http.IncomingHttpHeaders) => expect(h['x-content-type-options']).toBe('nosniff');

  test.each(['/api/v1/lines/a%00b', '/api/v1/batches/a%00b', '/api/v1/search?q=a%00b', '/api/v1/search.csv?q=%00'])(
    '%s: 400 in the JSON error shape',
    async (path) => {
      const res = await raw(server.url, path);
      expect(res.status).toBe(400);
      securityHeaders(res.headers);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'bad_request', message: expect.any(String) });
    },
  );

  test.each([
    ['/lines/a%00b', 'en'],
    ['/search?q=a%00b', 'en'],
    ['/zh/lines/a%00b', 'zh'],
  ])('%s: 400, the error page in its language', async (path, lang) => {
    const res = await raw(server.url, path);
    expect(res.status).toBe(400);
    securityHeaders(res.headers);
    expect(res.body).toContain(lang === 'zh' ? '<html lang="zh-CN"' : '<html lang="en"');
    expect(res.body).toContain(lang === 'zh' ? '请求无效' : 'Bad request');
  });

  test('a NUL in a form field: 400 as JSON from /_actions, as the page from a form post', async () => {
    const fields = new URLSearchParams({
      displayName: 'a\u0000b',
      email: 'nul@example.org',
      password: 'a long enough password 77',
    }).toString();
    const headers = { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' };
    const rpc = await raw(server.url, '/_actions/register', { method: 'POST', headers, body: fields });
    expect(rpc.status).toBe(400);
    expect(JSON.parse(rpc.body)).toMatchObject({ error: 'bad_request' });
    const page = await raw(server.url, '/register?_action=register', { method: 'POST', headers, body: fields });
    expect(page.status).toBe(400);
    expect(page.body).toContain('Bad request');
    expect(page.body).not.toMatch(/Failed query|insert into/i);
  });

  test('malformed JSON to /_actions/*: 400 in the JSON shape, with the security headers', async () => {
    for (const body of [
      '{bad',
      '{"email":',
      '\u0000',
      '\uFEFF',
      ' ',
      '{"email":"a\\u0000b@example.org","password":"x"}',
    ]) {
      const res = await raw(server.url, '/_actions/signIn', {
        method: 'POST',
        headers: { Origin: server.url, 'Content-Type': 'application/json' },
        body,
      });
      expect(res.status, body).toBe(400);
      securityHeaders(res.headers);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'bad_request' });
    }
  });

  test('/zh/ paths are decoded once: /zh/lines/100%25 answers like /lines/100%25 (not found), and a line named "100%25 干细胞" is found under both', async () => {
    for (const path of ['/lines/100%25', '/zh/lines/100%25'])
      expect((await raw(server.url, path)).status, path).toBe(404);
    const link = linePath('100%25 干细胞');
    for (const path of [link, `/zh${link}`]) expect((await raw(server.url, path)).status, path).toBe(200);
  });
});

describe('names with reserved characters', () => {
  const title = (html: string) => /<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '';
  const unescapeText = (s: string) =>
    s
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'");

  test.each(LINES)('line %j: import -> link the app generates -> page and JSON', async (name) => {
    const api = await fetch(`${server.url}/api/v1${linePath(name)}`);
    expect(api.status).toBe(200);
    const json = (await api.json()) as { name: string; url: string };
    expect(json.name).toBe(name);
    for (const link of [json.url, new URL(`/zh${new URL(json.url).pathname}`, server.url).toString()]) {
      const page = await fetch(link, { redirect: 'manual' });
      expect(page.status, link).toBe(200);
      expect(unescapeText(title(await page.text()))).toContain(name);
    }
  });

  test.each(BATCHES)('batch %j: reachable from its line page, its certificate and the API', async (number) => {
    const line = await (await fetch(`${server.url}${linePath('SECTEST+A1')}`)).text();
    const href = `href="${batchPath(number)}"`;
    expect(line).toContain(href);
    for (const path of [
      batchPath(number),
      `${batchPath(number)}/coa`,
      `/zh${batchPath(number)}`,
      `/api/v1${batchPath(number)}`,
    ]) {
      const res = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(200);
      const text = await res.text();
      expect(path.startsWith('/api') ? JSON.parse(text).number : unescapeText(text)).toContain(number);
    }
  });

  test('citations and the staff batch page decode the name once (issue 16, finding 6)', async () => {
    const broken = await raw(server.url, '/api/v1/lines/a%2500b/citation.ris');
    expect(broken.status, 'a name that decodes to "a%00b" is simply not found').toBe(404);
    expect(broken.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(broken.body)).toMatchObject({ error: 'not_found' });
    for (const format of ['ris', 'bib']) {
      const cite = await fetch(`${server.url}/api/v1${linePath('SECTEST+A1')}/citation.${format}`);
      expect(cite.status, format).toBe(200);
      expect(await cite.text()).toContain('SECTEST+A1');
    }
    const staff = await sessionCookie(t.db, (await makeAccount(t.db, 'staff')).id);
    for (const prefix of ['', '/zh']) {
      const page = await fetch(`${server.url}${prefix}/staff${batchPath('SEC/01')}`, {
        headers: { Cookie: staff.cookie },
        redirect: 'manual',
      });
      expect(page.status, `${prefix}/staff${batchPath('SEC/01')}`).toBe(200);
      expect(await page.text()).toContain('SEC/01');
    }
  });

  test('pages for a signed-in account are never stored (Cache-Control: no-store)', async () => {
    const user = await sessionCookie(t.db, (await makeAccount(t.db, 'requester')).id);
    for (const path of ['/account', '/search?q=SEC', `/zh${linePath('SECTEST+A1')}`]) {
      const res = await fetch(`${server.url}${path}`, { headers: { Cookie: user.cookie }, redirect: 'manual' });
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  test('names no link could reach ("." and "..") are refused at import', async () => {
    const r = await importText(t.pool, 'lines.csv', 'name,category\n..,iPSC\n');
    expect(r.problems.map((p) => p.message).join('\n')).toContain('may not be "." or ".."');
  });

  test('the CSV export links every line to a page that answers', async () => {
    const csv = await (await fetch(`${server.url}/api/v1/search.csv?q=SEC`)).text();
    const urls = [...csv.matchAll(/http:\/\/127\.0\.0\.1:\d+\/lines\/[^\s",]+/g)].map((m) => m[0]);
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect((await fetch(u)).status, u).toBe(200);
  });
});

test('the language link on /zh/%5Cevil.example stays on this site', async () => {
  const res = await raw(server.url, '/zh/%5Cevil.example');
  const hrefs = [...res.body.matchAll(/<a href="([^"]*)"[^>]*hreflang/g)].map((m) => m[1]!);
  expect(hrefs.length).toBeGreaterThan(0);
  for (const href of hrefs) {
    expect(href).not.toMatch(/^[/\\]{2}|^\/\\|\\/);
    expect(new URL(href, server.url).origin).toBe(server.url);
  }
  expect(hrefs).toContain('/%5Cevil.example');
  // A page that rewrites to /404 keeps the address asked for too.
  const missing = await raw(server.url, '/zh/lines/NO%2BSUCH-LINE');
  expect(missing.status).toBe(404);
  expect([...missing.body.matchAll(/<a href="([^"]*)"[^>]*hreflang/g)].map((m) => m[1])).toEqual([
    '/lines/NO%2BSUCH-LINE',
  ]);
});

describe('rate limits (API_RATE_LIMIT=5, CSV_RATE_LIMIT=2 per minute and address)', () => {
  const from = (address: string) => ({ 'X-Forwarded-For': address });

  test('the public API answers 429 with Retry-After past the budget, per address', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof raw>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await raw(proxied.url, '/api/v1/lines/SECTEST%2BA1', { headers: from('198.51.100.7') });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(last!.body)).toMatchObject({ error: 'rate_limited', retryAfter: expect.any(Number) });
    expect(
      (await raw(proxied.url, '/api/v1/search?q=SEC', { headers: from('198.51.100.8') })).status,
      'another address has its own budget',
    ).toBe(200);
  });

  test('the CSV export has its own, smaller budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await raw(proxied.url, '/api/v1/search.csv?q=SEC', { headers: from('198.51.100.9') })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  test('HEAD counts like GET (it runs the same export): two HEADs use up the CSV budget, and the API budget too', async () => {
    const csv: number[] = [];
    for (const method of ['HEAD', 'HEAD', 'GET', 'HEAD'])
      csv.push((await raw(proxied.url, '/api/v1/search.csv?q=SEC', { method, headers: from('198.51.100.10') })).status);
    expect(csv).toEqual([200, 200, 429, 429]);
    const api: number[] = [];
    for (let i = 0; i < 6; i++)
      api.push(
        (await raw(proxied.url, '/api/v1/search?q=SEC', { method: 'HEAD', headers: from('198.51.100.11') })).status,
      );
    expect(api).toEqual([200, 200, 200, 200, 200, 429]);
  });

  test('two portal processes on one database enforce one budget per address (issue 17)', async () => {
    const second = await startPortalServer({
      ...services(),
      TRUSTED_PROXIES: '1',
      API_RATE_LIMIT: '5',
      CSV_RATE_LIMIT: '2',
    });
    try {
      const statuses: number[] = [];
      // Alternating between the processes, as a balancer would.
      for (let i = 0; i < 8; i++)
        statuses.push(
          (
            await raw(i % 2 ? second.url : proxied.url, '/api/v1/lines/SECTEST%2BA1', {
              headers: from('198.51.100.12'),
            })
          ).status,
        );
      expect(statuses, 'five in all, not five per process').toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    } finally {
      await second.stop();
    }
  });
});

describe('logs', () => {
  test('JSON lines with the request id the client sees; no query values, cookies or session ids', async () => {
    const secret = 'SECRETTOKEN1234567890';
    const res = await raw(server.url, `/reset-password?token=${secret}&x=%0d%0a{"level":"forged"}`, {
      headers: { Cookie: `session=abcdefghijklmnopqrst.${secret}` },
    });
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 200));
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.includes(String(id)));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ requestId: id });
    expect(server.output()).not.toContain(secret);
    expect(server.output()).not.toMatch(/^\{"level":"forged"/m);
  });
});
