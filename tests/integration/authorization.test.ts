/**
 * The authorisation matrix: every guarded page, every action and every
 * non-public API route, against anonymous, a requester, another requester,
 * staff and admin. Routes are discovered from src/pages and actions from
 * src/actions/index.ts: a new one without an entry here fails the first test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accounts } from '#db/schema/accounts.ts';
import type { Account } from '#db/schema/accounts.ts';
import { validateSessionToken } from '#server/accounts/session.ts';
import { guardedPrefixes, requirementFor, type Requirement } from '#server/accounts/authorize.ts';
import { getPage, makeAccount, postForm, sessionCookie, startAccountsPortal } from '../support/accounts.ts';
import { callerFor, seedLineWithBatch, submittedRequest } from '../support/requests.ts';

type Persona = 'anonymous' | 'requester' | 'otherRequester' | 'staff' | 'admin';
const personas: Persona[] = ['anonymous', 'requester', 'otherRequester', 'staff', 'admin'];
type Access = 'public' | 'user' | 'staff' | 'admin';
const allowed: Record<Access, Persona[]> = {
  public: personas,
  user: ['requester', 'otherRequester', 'staff', 'admin'],
  staff: ['staff', 'admin'],
  admin: ['admin'],
};

/** Guarded pages and non-public API routes, by path (no locale). */
const routeMatrix: Record<string, Access> = {
  '/account': 'user',
  '/staff': 'staff',
  '/admin': 'admin',
  '/admin/users': 'admin',
  '/admin/agreements': 'admin',
  '/account/requests': 'user',
  '/staff/requests': 'staff',
  '/staff/registers': 'staff',
  '/staff/help/logger-files': 'staff',
  '/api/v1/account/requests': 'user',
  '/api/v1/staff/requests': 'staff',
  '/account/saved-searches': 'user',
  '/staff/bank': 'staff',
  '/staff/storage': 'staff',
};

/**
 * Routes with a parameter: the concrete path to try, and who sees the thing
 * (the others who pass the guard get 404, as if it did not exist).
 */
const dynamicRoutes: Record<string, { access: Access; path: (w: World) => string; seenBy: Persona[] }> = {
  '/account/requests/new': {
    access: 'user',
    path: () => '/account/requests/new?line=AUTHZ-LINE',
    seenBy: ['requester', 'otherRequester', 'staff', 'admin'],
  },
  '/account/requests/[id]': { access: 'user', path: (w) => `/account/requests/${w.requestId}`, seenBy: ['requester'] },
  '/account/requests/[id]/record': {
    access: 'user',
    path: (w) => `/account/requests/${w.requestId}/record`,
    seenBy: ['requester'],
  },
  '/api/v1/account/requests/[id]': {
    access: 'user',
    path: (w) => `/api/v1/account/requests/${w.requestId}`,
    seenBy: ['requester'],
  },
  '/staff/requests/[id]': {
    access: 'staff',
    path: (w) => `/staff/requests/${w.requestId}`,
    seenBy: ['staff', 'admin'],
  },
  '/staff/requests/[id]/record': {
    access: 'staff',
    path: (w) => `/staff/requests/${w.requestId}/record`,
    seenBy: ['staff', 'admin'],
  },
  '/api/v1/staff/requests/[id]': {
    access: 'staff',
    path: (w) => `/api/v1/staff/requests/${w.requestId}`,
    seenBy: ['staff', 'admin'],
  },
  '/staff/batches/[number]': { access: 'staff', path: () => '/staff/batches/AUTHZ-B-1', seenBy: ['staff', 'admin'] },
  '/api/v1/staff/registers/outbound.csv': {
    access: 'staff',
    path: () => '/api/v1/staff/registers/outbound.csv?from=2020-01-01&to=2030-01-01',
    seenBy: ['staff', 'admin'],
  },
  '/staff/batches/[number]/record': {
    access: 'staff',
    path: () => '/staff/batches/AUTHZ-B-1/record',
    seenBy: ['staff', 'admin'],
  },
  '/staff/storage/[id]': { access: 'staff', path: () => '/staff/storage/999999', seenBy: [] },
  '/staff/labels/[number]': { access: 'staff', path: () => '/staff/labels/AUTHZ-B-1', seenBy: [] },
  '/staff/labels/box/[id]': { access: 'staff', path: () => '/staff/labels/box/999999', seenBy: [] },
  '/staff/picking/[id]': { access: 'staff', path: (w) => `/staff/picking/${w.requestId}`, seenBy: ['staff', 'admin'] },
  '/api/v1/staff/registers/receipt.csv': {
    access: 'staff',
    path: () => '/api/v1/staff/registers/receipt.csv?from=2020-01-01&to=2030-01-01',
    seenBy: ['staff', 'admin'],
  },
  '/api/v1/staff/registers/storage.csv': {
    access: 'staff',
    path: () => '/api/v1/staff/registers/storage.csv?from=2020-01-01&to=2030-01-01',
    seenBy: ['staff', 'admin'],
  },
  '/api/v1/staff/registers/release.csv': {
    access: 'staff',
    path: () => '/api/v1/staff/registers/release.csv?from=2020-01-01&to=2030-01-01',
    seenBy: ['staff', 'admin'],
  },
  '/api/v1/staff/registers/transport.csv': {
    access: 'staff',
    path: () => '/api/v1/staff/registers/transport.csv?from=2020-01-01&to=2030-01-01',
    seenBy: ['staff', 'admin'],
  },
};
/** API routes anyone may call. */
/** The public, read-only API: listed one by one, so a new API route needs a decision here. */
const publicApi = [
  '/api/health',
  '/api/v1/search',
  '/api/v1/search.csv',
  '/api/v1/lines/[name]',
  '/api/v1/lines/[name]/citation.[format]',
  '/api/v1/batches/[number]',
  '/api/v1/openapi.json',
  '/api/v1/[...rest]',
];

interface World {
  requester: Account;
  /** A submitted request of `requester`. */
  requestId: number;
  target: Account;
  /** A spare session of `requester`, for revokeSession. */
  spareSessionId: () => Promise<string>;
}

/**
 * Every action, who may call it, and a valid body. "Allowed" calls must not be
 * refused with 401/403; refused calls must answer 401 (anonymous) or 403.
 */
const actionMatrix: Record<
  string,
  { access: Access; body: (w: World) => Promise<Record<string, string>> | Record<string, string> | FormData }
> = {
  register: { access: 'public', body: () => ({ email: '', password: '', displayName: '' }) },
  // An invalid body: a wrong password would answer 401, indistinguishable from a refusal.
  signIn: { access: 'public', body: () => ({ email: 'not-an-email', password: '' }) },
  signOut: { access: 'public', body: () => ({}) },
  verifyEmail: { access: 'public', body: () => ({ token: 'not.valid' }) },
  requestPasswordReset: { access: 'public', body: () => ({ email: 'nobody@example.org' }) },
  resetPassword: {
    access: 'public',
    body: () => ({
      token: 'not.valid',
      newPassword: 'violet tram under Xian rain',
      confirmPassword: 'violet tram under Xian rain',
    }),
  },
  updateProfile: { access: 'user', body: () => ({ displayName: 'Renamed', institution: 'Lab', country: 'CN' }) },
  // A wrong current password: reaching the check proves access, without changing anything.
  changePassword: {
    access: 'user',
    body: () => ({
      currentPassword: 'not the password',
      newPassword: 'violet tram under Xian rain',
      confirmPassword: 'violet tram under Xian rain',
    }),
  },
  revokeSession: { access: 'user', body: async (w) => ({ sessionId: await w.spareSessionId() }) },
  changeRole: { access: 'admin', body: (w) => ({ accountId: w.target.id, role: 'staff' }) },
  disableAccount: { access: 'admin', body: (w) => ({ accountId: w.target.id }) },
  enableAccount: { access: 'admin', body: (w) => ({ accountId: w.target.id }) },
  // The request chain: requesters act on their own requests (others get 404 from the service), staff on any.
  addToBasket: { access: 'user', body: () => ({ line: 'AUTHZ-LINE', quantity: '1' }) },
  saveRequest: { access: 'user', body: (w) => ({ requestId: String(w.requestId), projectTitle: 'x' }) },
  removeRequestItem: { access: 'user', body: (w) => ({ requestId: String(w.requestId), itemId: '999999' }) },
  answerRequest: { access: 'user', body: (w) => ({ requestId: String(w.requestId), body: 'answer' }) },
  withdrawRequest: { access: 'user', body: () => ({ requestId: '999999', reason: 'x' }) },
  confirmReceipt: { access: 'user', body: (w) => ({ requestId: String(w.requestId), condition: 'fine' }) },
  reacceptAgreements: { access: 'user', body: (w) => ({ requestId: String(w.requestId) }) },
  acknowledgeRecallNotice: { access: 'user', body: () => ({ noticeId: '999999' }) },
  postRequestMessage: { access: 'user', body: () => ({ requestId: '999999', body: 'hello' }) },
  confirmAsOfficial: { access: 'public', body: () => ({ token: 'not.valid' }) },
  startReview: { access: 'staff', body: () => ({ requestId: '999999' }) },
  saveChecklist: { access: 'staff', body: (w) => ({ requestId: String(w.requestId) }) },
  askForInformation: { access: 'staff', body: (w) => ({ requestId: String(w.requestId), body: 'question' }) },
  approveRequest: { access: 'staff', body: (w) => ({ requestId: String(w.requestId), password: 'wrong password' }) },
  rejectRequest: { access: 'staff', body: () => ({ requestId: '999999', reason: 'x' }) },
  cancelRequest: { access: 'staff', body: () => ({ requestId: '999999', reason: 'x' }) },
  reserveVials: { access: 'staff', body: (w) => ({ requestId: String(w.requestId) }) },
  releaseRequest: { access: 'staff', body: (w) => ({ requestId: String(w.requestId), password: 'wrong password' }) },
  executeOutbound: {
    access: 'staff',
    body: (w) => ({
      requestId: String(w.requestId),
      password: 'wrong password',
      plannedDate: '2026-01-01',
      actualDate: '2026-01-01',
    }),
  },
  reviewOutbound: { access: 'staff', body: (w) => ({ requestId: String(w.requestId), password: 'wrong password' }) },
  recordTransport: {
    access: 'staff',
    body: (w) => ({
      requestId: String(w.requestId),
      dispatchAt: '2026-11-20T08:00',
      dispatchPlace: 'Bank',
      dispatchTempC: '-190',
      requiredMinC: '-196',
      requiredMaxC: '-150',
      batchNumbers: 'AUTHZ-B-1',
      quantity: '1',
      deviceNumber: 'D1',
      vehicle: 'van',
      carrier: 'C',
      courier: 'W',
    }),
  },
  recordArrival: {
    access: 'staff',
    body: (w) => ({
      requestId: String(w.requestId),
      arrivalAt: '2026-11-21T08:00',
      arrivalPlace: 'Lab',
      arrivalTempC: '-190',
      receiver: 'R',
    }),
  },
  uploadLoggerFile: {
    access: 'staff',
    body: (w) => {
      const form = new FormData();
      form.set('requestId', String(w.requestId));
      form.set(
        'loggerFile',
        new Blob(['timestamp,temperature_c\n2026-11-20T08:00:00Z,-190\n'], { type: 'text/csv' }),
        'logger.csv',
      );
      return form;
    },
  },
  closeDeviation: {
    access: 'staff',
    body: () => ({ requestId: '1', deviationId: '999999', assessment: 'x', password: 'wrong password' }),
  },
  closeRequest: { access: 'staff', body: (w) => ({ requestId: String(w.requestId) }) },
  setBatchReleaseStatus: {
    access: 'staff',
    body: () => ({ batchId: '999999', status: 'recalled', reason: 'x', password: 'wrong password' }),
  },
  setBatchPrice: {
    access: 'staff',
    body: () => ({ batchId: '999999', useCategory: 'research', amount: '100', currency: 'CNY' }),
  },
  publishAgreementVersion: {
    access: 'admin',
    body: () => ({
      code: 'authz',
      title: 'Authz test agreement',
      version: '1',
      effectiveDate: '2026-01-01',
      body: 'text',
    }),
  },
  saveSearch: { access: 'user', body: () => ({ name: 'iPSC lines', query: 'category=ipsc' }) },
  // Ids nobody owns: reaching the owner check (404) proves access without changing anything.
  deleteSavedSearch: { access: 'user', body: () => ({ id: '999999999' }) },
  setSearchAlert: { access: 'user', body: () => ({ id: '999999999', alert: 'off' }) },
  // The bank's records: valid inputs that the services refuse (no such line, box, batch, vial or request), signing nothing.
  receiveBankBatch: {
    access: 'staff',
    body: () => ({
      ...bankCosign,
      line: 'NO-SUCH-LINE',
      batchNumber: 'AUTHZ-BANK-1',
      batchType: 'distribution',
      grade: 'research',
      cellType: 'iPSC',
      handoverAt: '2026-11-20T09:00',
      handoverPlace: 'x',
      dispatchedAt: '2026-11-20T07:00',
      arrivedAt: '2026-11-20T08:00',
      requiredMinC: '-196',
      requiredMaxC: '-150',
      transportTempC: '-190',
      vials: '2',
      courier: 'x',
    }),
  },
  createBankStorageUnit: { access: 'staff', body: () => ({ code: 'AUTHZ-UNIT', kind: 'tank', name: 'Authz tank' }) },
  createBankStorageBox: {
    access: 'staff',
    body: () => ({ unitId: '999999', rack: 'R1', code: 'B1', rows: '9', cols: '9' }),
  },
  storeBankVials: {
    access: 'staff',
    body: () => ({ ...bankCosign, ...bankOperation, batchId: '999999', boxId: '999999' }),
  },
  moveBankVial: {
    access: 'staff',
    body: () => ({ ...bankCosign, ...bankOperation, label: 'NO-SUCH-VIAL', boxId: '999999', row: '1', col: '1' }),
  },
  checkBankLocation: {
    access: 'staff',
    body: () => ({ ...bankCosign, boxId: '999999', outcome: 'match', notes: '', checkedAt: '2026-11-20T09:00' }),
  },
  recordBankIntakeTest: {
    access: 'staff',
    body: () => ({
      ...bankCosign,
      batchId: '999999',
      cellType: 'iPSC',
      handoverAt: '2026-11-20T09:00',
      handoverPerson: 'x',
      cellCount: '10',
      testedCount: '1',
      basis: 'SOP',
      testedOn: '2026-11-21',
      conclusion: 'pass',
      items: 'Sterility | USP | No growth | No growth | pass',
    }),
  },
  recordBankReleaseTest: {
    access: 'staff',
    body: () => ({
      ...bankCosign,
      batchId: '999999',
      cellType: 'iPSC',
      releaseQuantity: '1',
      basis: 'SOP',
      testedAt: '2026-11-21T09:00',
      conclusion: 'pass',
      items: 'Sterility | USP | No growth | No growth | pass',
    }),
  },
  assessBankDeviation: {
    access: 'staff',
    body: () => ({ deviationId: '999999', assessment: 'x', password: 'wrong password' }),
  },
  destroyBankVials: {
    access: 'staff',
    body: () => ({ ...bankCosign, labels: 'NO-SUCH-VIAL', reason: 'x', destroyedAt: '2026-11-20T09:00' }),
  },
  pickRequestVials: { access: 'staff', body: () => ({ requestId: '999999' }) },
  scanPickLabel: { access: 'staff', body: () => ({ requestId: '999999', scanned: 'NO-SUCH-VIAL' }) },
};

const bankCosign = {
  password: 'wrong password',
  reviewerEmail: 'nobody@example.org',
  reviewerPassword: 'wrong password',
};
const bankOperation = { envTempC: '20', startedAt: '2026-11-20T09:00', endedAt: '2026-11-20T09:10' };

function discoverRoutes(dir = 'src/pages', prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return discoverRoutes(full, `${prefix}/${name}`);
    const base = name.replace(/\.(astro|ts|js|md|mdx)$/, '');
    return [base === 'index' ? prefix || '/' : `${prefix}/${base}`];
  });
}

function discoverActions(): string[] {
  const source = readFileSync('src/actions/index.ts', 'utf8');
  const block = /export const server = \{([\s\S]*?)\n\};/.exec(source)?.[1] ?? '';
  return [...block.matchAll(/^\s*(\w+)\s*[:,]/gm)].map((m) => m[1]!);
}

/** Guarded by the guard's own table, or an API route not listed as public. */
const guarded = (route: string) =>
  requirementFor(route) !== undefined || (route.startsWith('/api/') && !publicApi.includes(route));

let portal: Awaited<ReturnType<typeof startAccountsPortal>>;
const cookies = {} as Record<Persona, string | undefined>;
const people = {} as Record<Exclude<Persona, 'anonymous'>, Account>;
let world: World;

beforeAll(async () => {
  portal = await startAccountsPortal();
  const db = portal.database.db;
  people.requester = await makeAccount(db, 'requester');
  people.otherRequester = await makeAccount(db, 'requester');
  people.staff = await makeAccount(db, 'staff');
  people.admin = await makeAccount(db, 'admin');
  cookies.anonymous = undefined;
  for (const p of Object.keys(people) as (keyof typeof people)[])
    cookies[p] = (await sessionCookie(db, people[p].id)).cookie;
  const target = await makeAccount(db, 'requester');
  await seedLineWithBatch(portal.database.pool, 'AUTHZ-LINE', 'AUTHZ-B-1', 5);
  const requestId = await submittedRequest(db, callerFor(people.requester), 'AUTHZ-LINE', 'AUTHZ-B-1', 1);
  world = {
    requester: people.requester,
    requestId,
    target,
    spareSessionId: async () => (await sessionCookie(db, people.requester.id)).sessionId,
  };
});
afterAll(async () => {
  await portal?.stop();
});

describe('the matrix covers everything', () => {
  test('every guarded page and non-public API route in src/pages has an entry, and every entry exists', () => {
    expect(discoverRoutes().filter(guarded).sort()).toEqual(
      [...Object.keys(routeMatrix), ...Object.keys(dynamicRoutes)].sort(),
    );
  });

  test('every action exported from src/actions/index.ts has an entry, and every entry exists', () => {
    const found = discoverActions();
    expect(found.length).toBeGreaterThan(5);
    expect(found.sort()).toEqual(Object.keys(actionMatrix).sort());
  });
});

describe.each(Object.entries(routeMatrix))('page %s', (route, access) => {
  test.each(
    personas.flatMap(
      (p) =>
        [
          ['', p],
          ['/zh', p],
        ] as const,
    ),
  )('%s as %s', async (locale, persona) => {
    const res = await getPage(portal.server.url, `${locale}${route}`, cookies[persona]);
    if (allowed[access].includes(persona)) {
      expect(res.status, `${persona} may open ${locale}${route}`).toBe(200);
    } else if (persona === 'anonymous' && route.startsWith('/api/')) {
      expect(res.status, 'anonymous gets 401 from the API').toBe(401);
    } else if (persona === 'anonymous') {
      expect(res.status, 'anonymous is sent to sign in').toBe(303);
      expect(res.headers.get('location')).toBe(`${locale}/sign-in?next=${encodeURIComponent(`${locale}${route}`)}`);
    } else {
      expect(res.status, `${persona} may not open ${locale}${route}`).toBe(403);
      expect(await res.text()).not.toContain('<table');
    }
  });
});

describe.each(Object.entries(dynamicRoutes))('page %s', (_route, { access, path, seenBy }) => {
  test.each(personas)('as %s', async (persona) => {
    const target = path(world);
    const res = await getPage(portal.server.url, target, cookies[persona]);
    if (seenBy.includes(persona)) {
      expect(res.status, `${persona} may open ${target}`).toBe(200);
    } else if (allowed[access].includes(persona)) {
      expect(res.status, `${persona} passes the guard but does not see ${target}`).toBe(404);
    } else if (persona === 'anonymous') {
      expect(res.status, 'anonymous is refused').toBe(target.startsWith('/api/') ? 401 : 303);
    } else {
      expect(res.status, `${persona} may not open ${target}`).toBe(403);
    }
  });
});

/**
 * Every prefix of the guard, including those with no route yet: a path under
 * it is refused before any page or API route runs (303 to sign-in or 403 for
 * pages, 401/403 JSON for the API); the allowed get past the guard (here, to a 404).
 */
describe.each(guardedPrefixes.map(([prefix, requirement]) => [prefix, requirement] as const))(
  'guarded prefix %s',
  (prefix, requirement: Requirement) => {
    test.each(personas)('as %s', async (persona) => {
      const path = `${prefix}/no-such-page`;
      const res = await getPage(portal.server.url, path, cookies[persona]);
      const api = prefix.startsWith('/api/');
      if (allowed[requirement].includes(persona)) {
        expect(res.status, `${persona} gets past the guard of ${prefix}`).toBe(404);
      } else if (persona === 'anonymous') {
        expect(res.status, `anonymous at ${path}`).toBe(api ? 401 : 303);
        if (api) expect(await res.json()).toMatchObject({ error: 'unauthorized' });
      } else {
        expect(res.status, `${persona} at ${path}`).toBe(403);
        if (api) expect(await res.json()).toMatchObject({ error: 'forbidden' });
      }
    });
  },
);

describe.each(Object.entries(actionMatrix))('action %s', (name, { access, body }) => {
  test.each(personas)('as %s', async (persona) => {
    const res = await postForm(portal.server.url, `/_actions/${name}`, await body(world), { cookie: cookies[persona] });
    if (allowed[access].includes(persona)) {
      expect([401, 403], `${persona} may call ${name} (got ${res.status})`).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
    } else {
      expect(res.status, `${persona} may not call ${name}`).toBe(persona === 'anonymous' ? 401 : 403);
    }
    // signOut ends the caller's session: give them a new one for the rest of the matrix.
    if (name === 'signOut' && persona !== 'anonymous')
      cookies[persona] = (await sessionCookie(portal.database.db, people[persona].id)).cookie;
  });
});

describe('what refused calls leave behind', () => {
  test('admin actions posted by non-admins, through the page form too, change nothing', async () => {
    const db = portal.database.db;
    const fresh = await makeAccount(db, 'requester');
    for (const persona of ['anonymous', 'requester', 'staff'] as const) {
      for (const [action, fields] of [
        ['changeRole', { accountId: fresh.id, role: 'admin' }],
        ['disableAccount', { accountId: fresh.id }],
      ] as const) {
        const viaPage = await postForm(portal.server.url, `/admin/users?_action=${action}`, fields, {
          cookie: cookies[persona],
        });
        expect(viaPage.status, `${persona} ${action} via the page`).toBe(persona === 'anonymous' ? 303 : 403);
      }
    }
    const [after] = await db.select().from(accounts).where(eq(accounts.id, fresh.id));
    expect(after).toMatchObject({ role: 'requester', status: 'active' });
  });

  test("another requester cannot revoke a requester's session", async () => {
    const db = portal.database.db;
    const victim = await sessionCookie(db, people.requester.id);
    const res = await postForm(
      portal.server.url,
      '/_actions/revokeSession',
      { sessionId: victim.sessionId },
      { cookie: cookies.otherRequester },
    );
    expect(res.status).toBe(404);
    expect(await validateSessionToken(db, victim.token)).toBeDefined();
  });

  test('an admin changes a role, and the change is audited', async () => {
    const db = portal.database.db;
    const fresh = await makeAccount(db, 'requester');
    const res = await postForm(
      portal.server.url,
      '/admin/users?_action=changeRole',
      { accountId: fresh.id, role: 'staff' },
      { cookie: cookies.admin },
    );
    expect(res.status).toBe(303);
    const [after] = await db.select().from(accounts).where(eq(accounts.id, fresh.id));
    expect(after?.role).toBe('staff');
    const audit = await portal.database.pool.query(
      `SELECT actor, before->>'role' AS before, after->>'role' AS after FROM audit_events WHERE action = 'account.role_changed' AND entity_id = $1`,
      [fresh.id],
    );
    expect(audit.rows).toEqual([{ actor: people.admin.id, before: 'requester', after: 'staff' }]);
  });
});
