/**
 * Who may see what. Pages and API routes are guarded by path prefix in the
 * middleware; actions check the same rule in their handlers (they are also
 * reachable at /_actions/<name>, outside any guarded prefix).
 */
import type { Role } from '#db/schema/accounts.ts';

/** `user`: any signed-in account; `staff`: staff or admin; `admin`: admin only. */
export type Requirement = 'user' | 'staff' | 'admin';

const rank: Record<Role, number> = { requester: 1, staff: 2, admin: 3 };
const needed: Record<Requirement, number> = { user: 1, staff: 2, admin: 3 };

/** Path prefixes (without locale) and what they require; the first match wins. */
const guardedPrefixes: [string, Requirement][] = [
  ['/admin', 'admin'],
  ['/api/admin', 'admin'],
  ['/staff', 'staff'],
  ['/api/staff', 'staff'],
  ['/account', 'user'],
  ['/api/account', 'user'],
];

export function requirementFor(path: string): Requirement | undefined {
  return guardedPrefixes.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))?.[1];
}

export type AccessDecision = 'allow' | 'sign-in' | 'forbidden';

export function decideAccess(user: { role: Role } | null | undefined, requirement: Requirement): AccessDecision {
  if (!user) return 'sign-in';
  return rank[user.role] >= needed[requirement] ? 'allow' : 'forbidden';
}
