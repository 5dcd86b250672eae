/** GET /api/v1/batches/{number}: a batch's public record as JSON; another case of the number redirects. */
import type { APIRoute } from 'astro';
import { batchNumberParam } from '#schemas/catalog-params.ts';
import { locateBatch } from '#server/catalog/catalog.ts';
import { batchApiPath, batchJson, recordJson } from '#server/catalog/catalog-json.ts';
import { recordResponse } from '#server/platform/http.ts';
import { publicOrigin } from '#server/platform/config.ts';
import { getDb } from '#server/platform/runtime.ts';
import { segmentAt } from '#lib/path-segments.ts';

export const GET: APIRoute = async ({ request }) => {
  const number = batchNumberParam.safeParse(segmentAt(request, 3));
  const found = number.success ? await locateBatch(getDb(), number.data) : ({ status: 'missing' } as const);
  return recordResponse(recordJson(found, batchApiPath, (page) => batchJson(page, publicOrigin())));
};
