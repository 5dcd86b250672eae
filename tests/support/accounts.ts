/**
 * Accounts and HTTP helpers for the account tests: a portal server on its own
 * test database, accounts of each role, session cookies, same-origin form posts.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { Database } from '#db/client.ts';
import type { Role } from '#db/schema/accounts.ts';
import { createAccount } from '#server/accounts/accounts.ts';
import { createSession } from '#server/accounts/session.ts';
import { useTestDatabase, type TestDatabase } from './db.ts';
import { startPortalServer, type RunningServer } from './server.ts';

export const TEST_PASSWORD = 'a long test password 42';

export async function startAccountsPortal(): Promise<{
  database: TestDatabase;
  server: RunningServer;
  stop(): Promise<void>;
}> {
  const database = await useTestDatabase();
  // Like a local `npm start` portal: /dev/mail lists the mail outbox.
  const server = await startPortalServer({
    DATABASE_URL: database.appUrl,
    MEILI_URL: inject('meiliUrl'),
    MEILI_MASTER_KEY: inject('meiliKey'),
    EMBEDDED_SERVICES: '1',
  });
  return {
    database,
    server,
    async stop() {
      await server.stop();
      await database.close();
    },
  };
}

export async function makeAccount(
  db: Database,
  role: Role,
  options: { status?: 'pending' | 'active'; email?: string } = {},
) {
  const email = options.email ?? `${role}-${randomBytes(4).toString('hex')}@example.org`;
  const account = await db.transaction((tx) =>
    createAccount(
      tx,
      { email, password: TEST_PASSWORD, displayName: `Test ${role}`, role, status: options.status ?? 'active' },
      'test',
    ),
  );
  return account!;
}

/** A signed-in browser's cookie header, without going through the sign-in form. */
export async function sessionCookie(
  db: Database,
  accountId: string,
): Promise<{ cookie: string; sessionId: string; token: string }> {
  const { token, session } = await createSession(db, accountId);
  return { cookie: `session=${token}`, sessionId: session.id, token };
}

/** A form post from the portal's own pages (Origin set, redirects not followed). */
export function postForm(
  baseUrl: string,
  path: string,
  fields: Record<string, string> | FormData,
  options: { cookie?: string; origin?: string } = {},
): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Origin: options.origin ?? baseUrl, ...(options.cookie ? { Cookie: options.cookie } : {}) },
    body: fields instanceof FormData ? fields : new URLSearchParams(fields),
  });
}

export function getPage(baseUrl: string, path: string, cookie?: string): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { redirect: 'manual', headers: cookie ? { Cookie: cookie } : {} });
}

/** The `session` cookie a response sets, if any. */
export function setCookieToken(res: Response): string | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith('session='));
  return line?.slice('session='.length).split(';')[0];
}
