/**
 * Numbers and dates that reach PostgreSQL from forms and addresses, bounded
 * by what the columns hold, so that a value out of range is a 400 naming the
 * field rather than an error from the database (`batchId=3000000000` does not
 * fit a serial; PostgreSQL has no year 0000, and `2026-13-45` is no day).
 * Error messages are message keys (src/i18n/messages/auth.ts).
 */
import { z } from 'zod';

/** The largest value of a PostgreSQL integer (serial) column. */
export const MAX_SERIAL_ID = 2_147_483_647;

/** A row id of a serial column, from a form field or an address. */
export const id = z.coerce
  .number('error.badId')
  .int('error.badId')
  .positive('error.badId')
  .max(MAX_SERIAL_ID, 'error.badId');

/** Years the portal's records can plausibly carry (PostgreSQL has no year 0; nothing here predates 1900). */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 9999;

/** `YYYY-MM-DD` naming a day that exists, in the years above. */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < MIN_YEAR || year > MAX_YEAR) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** An instant within the years above (a parsed timestamp of a form or a logger file). */
export function isPlausibleInstant(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= MIN_YEAR && year <= MAX_YEAR;
}

/** A date field (`<input type="date">`). */
export const calendarDate = z.string('auth.error.required').refine(isCalendarDate, 'error.badDate');
