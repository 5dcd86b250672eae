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

/** At most this many lines side by side: more no longer fits a screen or a reader. */
export const MAX_COMPARED = 4;

/** /compare?lines=A&lines=B: names as typed, blanks and repeats dropped, at most MAX_COMPARED (the rest said to be left out). */
export function parseCompareQuery(params: URLSearchParams): { names: string[]; dropped: number } {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const raw of params.getAll('lines').flatMap((v) => v.split(','))) {
    const parsed = lineNameParam.safeParse(raw);
    if (!parsed.success || seen.has(parsed.data.toLowerCase())) continue;
    seen.add(parsed.data.toLowerCase());
    names.push(parsed.data);
  }
  return { names: names.slice(0, MAX_COMPARED), dropped: Math.max(0, names.length - MAX_COMPARED) };
}
