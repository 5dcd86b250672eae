import type { APIRoute } from 'astro';
import { jsonOk, searchFailureResponse } from '#server/platform/http.ts';
import { searchFromUrl } from '#server/search/search-api.ts';

export const GET: APIRoute = async ({ url }) => {
  const searched = await searchFromUrl(url);
  if (!searched.ok) return searchFailureResponse(searched.failure);
  const { hits, total, page, per_page, facets, understood, words, suggestions } = searched.result;
  return jsonOk({ hits, total, page, per_page, facets, understood, words, suggestions });
};
