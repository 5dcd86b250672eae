/** GET /api/v1/lines/{name}: a line's public record as JSON; synonyms and identifiers redirect to the standard name. */
import type { APIRoute } from 'astro';
import { lineNameParam } from '#schemas/catalog-params.ts';
import { locateLine } from '#server/catalog/catalog.ts';
import { lineApiPath, lineJson, recordJson } from '#server/catalog/catalog-json.ts';
import { recordResponse } from '#server/platform/http.ts';
import { publicOrigin } from '#server/platform/config.ts';
import { getDb } from '#server/platform/runtime.ts';
import { segmentAt } from '#lib/path-segments.ts';

export const GET: APIRoute = async ({ request }) => {
  const name = lineNameParam.safeParse(segmentAt(request, 3));
  const found = name.success ? await locateLine(getDb(), name.data) : ({ status: 'missing' } as const);
  return recordResponse(recordJson(found, lineApiPath, (page) => lineJson(page, publicOrigin())));
};
