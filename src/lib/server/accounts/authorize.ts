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

/**
 * Path prefixes (without locale) and what they require; the first match wins.
 * Pages under a prefix answer 303 to sign-in or 403; API routes answer 401 or
 * 403 in JSON. The authorisation matrix test reads this same table.
 */
export const guardedPrefixes: readonly (readonly [string, Requirement])[] = [
  ['/admin', 'admin'],
  ['/api/v1/admin', 'admin'],
  ['/staff', 'staff'],
  ['/api/v1/staff', 'staff'],
  ['/account', 'user'],
  ['/api/v1/account', 'user'],
];

export function requirementFor(path: string): Requirement | undefined {
  return guardedPrefixes.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))?.[1];
}

export type AccessDecision = 'allow' | 'sign-in' | 'forbidden';

/** Staff or admin: the people who work for the bank (the `staff` requirement). */
export function isStaff(user: { role: Role } | null | undefined): boolean {
  return decideAccess(user, 'staff') === 'allow';
}

export function decideAccess(user: { role: Role } | null | undefined, requirement: Requirement): AccessDecision {
  if (!user) return 'sign-in';
  return rank[user.role] >= needed[requirement] ? 'allow' : 'forbidden';
}
