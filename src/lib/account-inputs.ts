/**
 * One Zod schema per account input, shared by the Astro actions and the CLI.
 * Error messages are message keys (src/i18n/messages/auth.ts): forms translate them.
 */
import { z } from 'zod';
import { roles } from '#db/schema/accounts.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, isCommonPassword } from '#server/accounts/password.ts';

// Astro hands an empty form field to the schema as null or undefined: the type error is "required".
const required = 'auth.error.required';

export const emailField = z
  .string(required)
  .trim()
  .toLowerCase()
  .max(254, 'auth.error.email')
  .pipe(z.email('auth.error.email'));

export const newPasswordField = z
  .string(required)
  .min(PASSWORD_MIN_LENGTH, 'auth.error.passwordTooShort')
  .max(PASSWORD_MAX_LENGTH, 'auth.error.passwordTooLong')
  .refine((p) => !isCommonPassword(p), 'auth.error.passwordCommon');

/** What someone types at sign-in: checked, not judged. */
const presentedPassword = z.string(required).min(1, required).max(PASSWORD_MAX_LENGTH, 'auth.error.passwordTooLong');

const displayName = z.string(required).trim().min(1, required).max(120, 'auth.error.tooLong');
const optionalText = z
  .string()
  .trim()
  .max(200, 'auth.error.tooLong')
  .nullish()
  .transform((v) => v ?? '');
const token = z
  .string('auth.error.tokenInvalid')
  .trim()
  .min(1, 'auth.error.tokenInvalid')
  .max(100, 'auth.error.tokenInvalid');
const localeField = z.enum(['en', 'zh']).default('en');

export const profileInput = z.object({
  displayName,
  institution: optionalText,
  country: optionalText,
  /** The language of the account's mail; left out, it stays as it is. */
  locale: z.enum(['en', 'zh']).optional(),
});

export const registerInput = profileInput.extend({
  email: emailField,
  password: newPasswordField,
  locale: localeField,
  /** Where the researcher was going (a line to request): carried through the verification mail. */
  next: z.string().max(500).nullish(),
});

export const signInInput = z.object({
  email: emailField,
  password: presentedPassword,
  /** Where to go afterwards: a path on this site only. */
  next: z.string().nullish(),
});

export const changePasswordInput = z
  .object({ currentPassword: presentedPassword, newPassword: newPasswordField, confirmPassword: z.string(required) })
  .refine((v) => v.newPassword === v.confirmPassword, {
    path: ['confirmPassword'],
    message: 'auth.error.passwordMismatch',
  });

export const forgotPasswordInput = z.object({ email: emailField, locale: localeField });
export const resetPasswordInput = z
  .object({ token, newPassword: newPasswordField, confirmPassword: z.string(required) })
  .refine((v) => v.newPassword === v.confirmPassword, {
    path: ['confirmPassword'],
    message: 'auth.error.passwordMismatch',
  });
export const verifyEmailInput = z.object({ token, next: z.string().max(500).nullish() });
export const revokeSessionInput = z.object({ sessionId: z.string().min(1).max(100) });
export const changeRoleInput = z.object({
  accountId: z.string().min(1).max(100),
  role: z.enum(roles),
});
export const accountIdInput = z.object({ accountId: z.string().min(1).max(100) });

/**
 * A return path after sign-in: a path of this site, else home. The value is
 * resolved as a browser would against this site's origin (a stand-in origin:
 * only "same origin or not" matters), normalised (`/./`, `/../`), and kept
 * only when it stays on the origin and cannot be read as another host later:
 * browsers drop tabs and newlines and read `\` as `/`, and a proxy or a
 * browser may decode `%2f`/`%5c`, so a path that starts with `//` or `/\` in
 * any decoding, or holds a control character or backslash, is refused.
 */
export function safeReturnPath(next: string | null | undefined): string {
  if (typeof next !== 'string' || next.length > 2000 || !next.startsWith('/') || suspicious(next)) return '/';
  const base = 'https://portal.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return '/';
  }
  if (url.origin !== base || url.username || url.password) return '/';
  const path = url.pathname + url.search + url.hash;
  if (!path.startsWith('/') || suspicious(path)) return '/';
  let decoded = url.pathname;
  for (let i = 0; i < 3; i++) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      return '/';
    }
    if (suspicious(decoded) || suspicious(new URL(decoded, base).pathname)) return '/';
  }
  return path;
}

const suspicious = (s: string) => /^[/\\]{2}/.test(s) || /[\u0000-\u001f\u007f\\]/.test(s);
