/**
 * The search request: one schema for the /search page, the public API and
 * the CSV export. Built from URLSearchParams, where filters repeat
 * (`?category=ipsc&category=hesc`): OR within a field, AND across fields.
 */
import { z } from 'zod';
import { lineCategories, modificationTypes, sexes } from '#db/schema/catalog.ts';
import { stockAvailabilities } from '../availability.ts';
import { grades } from '#db/schema/batches.ts';
import { filterNames } from '../search-url.ts';

export const sorts = ['relevance', 'name', '-name', 'updated', 'available'] as const;
export type Sort = (typeof sorts)[number];

export { filterNames, type FilterName } from '../search-url.ts';

const text = z.string().trim().min(1).max(200);
const many = <T extends z.ZodType>(item: T) => z.array(item).max(50).default([]);

export const searchParamsSchema = z.strictObject({
  q: z.string().trim().max(200, 'must be at most 200 characters').default(''),
  category: many(z.enum(lineCategories)),
  disease: many(text),
  gene: many(text),
  modification: many(z.enum(modificationTypes)),
  sex: many(z.enum(sexes)),
  age_band: many(text),
  grade: many(z.enum(grades)),
  availability: many(z.enum(stockAvailabilities)),
  provider: many(text),
  country: many(z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code')),
  sort: z.enum(sorts).default('relevance'),
  page: z.coerce.number().int().min(1).max(500).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
  lang: z.enum(['en', 'zh']).default('en'),
  /** `1`: search the words as typed, without reading facet words as filters. */
  literal: z.stringbool({ truthy: ['1', 'true'], falsy: ['0', 'false'] }).default(false),
});

export type SearchParams = z.output<typeof searchParamsSchema>;

const repeatable = new Set<string>(filterNames);

export class SearchParamsError extends Error {
  constructor(
    public parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
  }
}

/** URLSearchParams -> SearchParams, or a SearchParamsError naming the parameter. Empty values are ignored. */
export function parseSearchParams(params: URLSearchParams): SearchParams {
  const raw: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    if (value === '') continue;
    if (repeatable.has(key)) raw[key] = [...((raw[key] as string[] | undefined) ?? []), value];
    else if (key in raw) throw new SearchParamsError(key, 'may be given once');
    else raw[key] = value;
  }
  const result = searchParamsSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') throw new SearchParamsError(issue.keys[0]!, 'is not a known parameter');
  throw new SearchParamsError(String(issue.path[0] ?? 'query'), issue.message);
}
