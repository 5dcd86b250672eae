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
  '/account/saved-searches': 'user',
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
  target: Account;
  /** A spare session of `requester`, for revokeSession. */
  spareSessionId: () => Promise<string>;
}

/**
 * Every action, who may call it, and a valid body. "Allowed" calls must not be
 * refused with 401/403; refused calls must answer 401 (anonymous) or 403.
 */
const actionMatrix: Record<string, { access: Access; body: (w: World) => Promise<Record<string, string>> | Record<string, string> }> = {
  register: { access: 'public', body: () => ({ email: '', password: '', displayName: '' }) },
  // An invalid body: a wrong password would answer 401, indistinguishable from a refusal.
  signIn: { access: 'public', body: () => ({ email: 'not-an-email', password: '' }) },
  signOut: { access: 'public', body: () => ({}) },
  verifyEmail: { access: 'public', body: () => ({ token: 'not.valid' }) },
  requestPasswordReset: { access: 'public', body: () => ({ email: 'nobody@example.org' }) },
  resetPassword: { access: 'public', body: () => ({ token: 'not.valid', newPassword: 'violet tram under Xian rain', confirmPassword: 'violet tram under Xian rain' }) },
  updateProfile: { access: 'user', body: () => ({ displayName: 'Renamed', institution: 'Lab', country: 'CN' }) },
  // A wrong current password: reaching the check proves access, without changing anything.
  changePassword: { access: 'user', body: () => ({ currentPassword: 'not the password', newPassword: 'violet tram under Xian rain', confirmPassword: 'violet tram under Xian rain' }) },
  revokeSession: { access: 'user', body: async (w) => ({ sessionId: await w.spareSessionId() }) },
  changeRole: { access: 'admin', body: (w) => ({ accountId: w.target.id, role: 'staff' }) },
  disableAccount: { access: 'admin', body: (w) => ({ accountId: w.target.id }) },
  enableAccount: { access: 'admin', body: (w) => ({ accountId: w.target.id }) },
  saveSearch: { access: 'user', body: () => ({ name: 'iPSC lines', query: 'category=ipsc' }) },
  // Ids nobody owns: reaching the owner check (404) proves access without changing anything.
  deleteSavedSearch: { access: 'user', body: () => ({ id: '999999999' }) },
  setSearchAlert: { access: 'user', body: () => ({ id: '999999999', alert: 'off' }) },
};

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
const guarded = (route: string) => requirementFor(route) !== undefined || (route.startsWith('/api/') && !publicApi.includes(route));

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
  for (const p of Object.keys(people) as (keyof typeof people)[]) cookies[p] = (await sessionCookie(db, people[p].id)).cookie;
  const target = await makeAccount(db, 'requester');
  world = {
    requester: people.requester,
    target,
    spareSessionId: async () => (await sessionCookie(db, people.requester.id)).sessionId,
  };
});
afterAll(async () => {
  await portal?.stop();
});

describe('the matrix covers everything', () => {
  test('every guarded page and non-public API route in src/pages has an entry, and every entry exists', () => {
    expect(discoverRoutes().filter(guarded).sort()).toEqual(Object.keys(routeMatrix).sort());
  });

  test('every action exported from src/actions/index.ts has an entry, and every entry exists', () => {
    const found = discoverActions();
    expect(found.length).toBeGreaterThan(5);
    expect(found.sort()).toEqual(Object.keys(actionMatrix).sort());
  });
});

describe.each(Object.entries(routeMatrix))('page %s', (route, access) => {
  test.each(personas.flatMap((p) => [['', p], ['/zh', p]] as const))('%s as %s', async (locale, persona) => {
    const res = await getPage(portal.server.url, `${locale}${route}`, cookies[persona]);
    if (allowed[access].includes(persona)) {
      expect(res.status, `${persona} may open ${locale}${route}`).toBe(200);
    } else if (persona === 'anonymous') {
      expect(res.status, 'anonymous is sent to sign in').toBe(303);
      expect(res.headers.get('location')).toBe(`${locale}/sign-in?next=${encodeURIComponent(`${locale}${route}`)}`);
    } else {
      expect(res.status, `${persona} may not open ${locale}${route}`).toBe(403);
      expect(await res.text()).not.toContain('<table');
    }
  });
});

/**
 * Every prefix of the guard, including those with no route yet: a path under
 * it is refused before any page or API route runs (303 to sign-in or 403 for
 * pages, 401/403 JSON for the API); the allowed get past the guard (here, to a 404).
 */
describe.each(guardedPrefixes.map(([prefix, requirement]) => [prefix, requirement] as const))('guarded prefix %s', (prefix, requirement: Requirement) => {
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
});

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
    if (name === 'signOut' && persona !== 'anonymous') cookies[persona] = (await sessionCookie(portal.database.db, people[persona].id)).cookie;
  });
});

describe('what refused calls leave behind', () => {
  test('admin actions posted by non-admins, through the page form too, change nothing', async () => {
    const db = portal.database.db;
    const fresh = await makeAccount(db, 'requester');
    for (const persona of ['anonymous', 'requester', 'staff'] as const) {
      for (const [action, fields] of [['changeRole', { accountId: fresh.id, role: 'admin' }], ['disableAccount', { accountId: fresh.id }]] as const) {
        const viaPage = await postForm(portal.server.url, `/admin/users?_action=${action}`, fields, { cookie: cookies[persona] });
        expect(viaPage.status, `${persona} ${action} via the page`).toBe(persona === 'anonymous' ? 303 : 403);
      }
    }
    const [after] = await db.select().from(accounts).where(eq(accounts.id, fresh.id));
    expect(after).toMatchObject({ role: 'requester', status: 'active' });
  });

  test("another requester cannot revoke a requester's session", async () => {
    const db = portal.database.db;
    const victim = await sessionCookie(db, people.requester.id);
    const res = await postForm(portal.server.url, '/_actions/revokeSession', { sessionId: victim.sessionId }, { cookie: cookies.otherRequester });
    expect(res.status).toBe(404);
    expect(await validateSessionToken(db, victim.token)).toBeDefined();
  });

  test('an admin changes a role, and the change is audited', async () => {
    const db = portal.database.db;
    const fresh = await makeAccount(db, 'requester');
    const res = await postForm(portal.server.url, '/admin/users?_action=changeRole', { accountId: fresh.id, role: 'staff' }, { cookie: cookies.admin });
    expect(res.status).toBe(303);
    const [after] = await db.select().from(accounts).where(eq(accounts.id, fresh.id));
    expect(after?.role).toBe('staff');
    const audit = await portal.database.pool.query(`SELECT actor, before->>'role' AS before, after->>'role' AS after FROM audit_events WHERE action = 'account.role_changed' AND entity_id = $1`, [fresh.id]);
    expect(audit.rows).toEqual([{ actor: people.admin.id, before: 'requester', after: 'staff' }]);
  });
});
