/** One list of roles: the forms, the access rule and the staff recipients all follow it. */
import { describe, expect, test } from 'vitest';
import { roles, staffRoles } from '#db/schema/accounts.ts';
import { changeRoleInput } from '#lib/account-inputs.ts';
import { decideAccess, isStaff } from '#server/accounts/authorize.ts';

describe('roles', () => {
  test('the role form accepts exactly the listed roles', () => {
    for (const role of roles) expect(changeRoleInput.safeParse({ accountId: 'a', role }).success, role).toBe(true);
    expect(changeRoleInput.safeParse({ accountId: 'a', role: 'official' }).success).toBe(false);
  });

  test('staff roles are those the staff requirement admits, written out', () => {
    expect(roles.filter((role) => isStaff({ role }))).toEqual(['staff', 'admin']);
    expect([...staffRoles]).toEqual(['staff', 'admin']);
    expect(isStaff(null)).toBe(false);
    expect(roles.filter((role) => decideAccess({ role }, 'admin') === 'allow')).toEqual(['admin']);
  });
});
