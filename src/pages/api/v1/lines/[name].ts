/** GET /api/v1/lines/{name}: a line's public record as JSON; synonyms and identifiers redirect to the standard name. */
import type { APIRoute } from 'astro';
import { lineNameParam } from '../../../../lib/schemas/catalog-params.ts';
import { locateLine } from '../../../../lib/server/catalog.ts';
import { lineApiPath, lineJson, publicOrigin, recordResponse } from '../../../../lib/server/catalog-json.ts';
import { getDb } from '../../../../lib/server/runtime.ts';

export const GET: APIRoute = async ({ params, url }) => {
  const name = lineNameParam.safeParse(params.name);
  const found = name.success ? await locateLine(getDb(), name.data) : ({ status: 'missing' } as const);
  return recordResponse(found, lineApiPath, (page) => lineJson(page, publicOrigin(url)));
};
