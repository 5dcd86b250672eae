/**
 * The search service as pages and API routes call it: parse the query string
 * once, run the search, and say what went wrong in data (which parameter, or
 * that search is down). No HTTP here: callers turn a failure into a 400/503
 * JSON answer or a sentence in the reader's language.
 */
import { parseSearchParams, SearchParamsError, type SearchParams } from '#schemas/search-params.ts';
import { LRUCache } from 'lru-cache';
import { currentVersion, onCatalogVersionChange } from '#server/platform/catalog-version.ts';
import { getConfig } from '#server/platform/config.ts';
import { log, redactText } from '#server/platform/log.ts';
import { getIndexPrefix, getSearchClient } from '#server/platform/runtime.ts';
import { searchLines, type SearchOptions, type SearchResult } from './search.ts';

/**
 * A search makes several calls (facet values, the multi-search, suggestions),
 * each bounded by the client's timeout; the reader waits at most this in all.
 */
const SEARCH_DEADLINE_MS = 2_500;

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`search gave no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Answers of the current catalog version, shared by the search page, the API
 * and every reader (an answer holds nothing of who asked; the page cache keeps
 * whole pages of anonymous readers, this keeps the answer behind the page and
 * the API alike); the same search asked while one is in flight waits for it.
 * Treat an answer as read-only: readers share it.
 */
let answers: LRUCache<string, SearchResult> | undefined;
const answerCache = () => (answers ??= new LRUCache({ max: Math.max(1, getConfig().SEARCH_ANSWER_CACHE) }));
const inFlight = new Map<string, Promise<SearchResult>>();
onCatalogVersionChange(() => answers?.clear());

async function searchOnce(params: SearchParams, options: SearchOptions): Promise<SearchResult> {
  const run = async () => searchLines(await getSearchClient(), getIndexPrefix(), params, options);
  // PostgreSQL cannot tell the version: search straight away, remembering nothing.
  const version = await currentVersion().catch(() => undefined);
  // Pages of the CSV export (hundreds of hits each) are asked once: not worth the memory.
  if (version === undefined || params.per_page > 100 || getConfig().SEARCH_ANSWER_CACHE === 0) return run();
  const key = `${version} ${JSON.stringify(params)} ${JSON.stringify(options)}`;
  const known = answerCache().get(key);
  if (known) return known;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = run()
      .then((result) => {
        answerCache().set(key, result);
        return result;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

export type SearchFailure = { kind: 'bad_parameter'; parameter: string; message: string } | { kind: 'unavailable' };

export type Searched = { ok: true; params: SearchParams; result: SearchResult } | { ok: false; failure: SearchFailure };

export async function searchFromUrl(
  url: URL,
  overrides: Partial<SearchParams> = {},
  options: SearchOptions = {},
): Promise<Searched> {
  let params: SearchParams;
  try {
    params = { ...parseSearchParams(url.searchParams), ...overrides };
  } catch (error) {
    if (error instanceof SearchParamsError)
      return { ok: false, failure: { kind: 'bad_parameter', parameter: error.parameter, message: error.message } };
    throw error;
  }
  try {
    return {
      ok: true,
      params,
      result: await within(searchOnce(params, options), SEARCH_DEADLINE_MS),
    };
  } catch (error) {
    log.error({ error: { message: redactText(String((error as Error).message)) } }, 'search unavailable');
    return { ok: false, failure: { kind: 'unavailable' } };
  }
}
