/**
 * Inputs of the catalog's read pages: route parameters and the /clinical
 * query string. Bad input is not an error page: a name too long to exist is
 * simply not found, a garbled filter is ignored.
 */
import { z } from 'zod';

/** A line name, synonym or identifier as typed in an address. */
export const lineNameParam = z.string().trim().min(1).max(200);

/** A batch number as typed in an address. */
export const batchNumberParam = z.string().trim().min(1).max(100);

const filter = z
  .string()
  .trim()
  .max(200)
  .transform((v) => v || undefined)
  .optional()
  .catch(undefined);

/** The /clinical GET form: every field optional, empty means "any". */
export const clinicalQuery = z.object({
  q: filter,
  indication: filter,
  source: filter,
  phase: filter,
  country: filter,
});

export type ClinicalQuery = z.output<typeof clinicalQuery>;

export function parseClinicalQuery(params: URLSearchParams): ClinicalQuery {
  return clinicalQuery.parse(Object.fromEntries(params));
}
