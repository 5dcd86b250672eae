/**
 * The glue between HTTP and the search service: parse the query string once,
 * answer 400 naming the parameter, run the search.
 */
import { parseSearchParams, SearchParamsError, type SearchParams } from '#schemas/search-params.ts';
import { jsonError } from '#server/platform/http.ts';
import { getIndexPrefix, getSearchClient } from '#server/platform/runtime.ts';
import { searchLines, type SearchOptions, type SearchResult } from './search.ts';

export type Searched = { ok: true; params: SearchParams; result: SearchResult } | { ok: false; response: Response };

export async function searchFromUrl(url: URL, overrides: Partial<SearchParams> = {}, options: SearchOptions = {}): Promise<Searched> {
  let params: SearchParams;
  try {
    params = { ...parseSearchParams(url.searchParams), ...overrides };
  } catch (error) {
    if (error instanceof SearchParamsError) {
      return { ok: false, response: jsonError(400, 'bad_parameter', error.message, { parameter: error.parameter }) };
    }
    throw error;
  }
  try {
    return { ok: true, params, result: await searchLines(await getSearchClient(), getIndexPrefix(), params, options) };
  } catch (error) {
    console.error(`[search] ${(error as Error).message}`);
    return { ok: false, response: jsonError(503, 'search_unavailable', 'Search is unavailable at the moment; try again shortly.') };
  }
}
