/** GET /api/v1/batches/{number}: a batch's public record as JSON; another case of the number redirects. */
import type { APIRoute } from 'astro';
import { batchNumberParam } from '../../../../lib/schemas/catalog-params.ts';
import { locateBatch } from '../../../../lib/server/catalog.ts';
import { batchApiPath, batchJson, publicOrigin, recordResponse } from '../../../../lib/server/catalog-json.ts';
import { getDb } from '../../../../lib/server/runtime.ts';

export const GET: APIRoute = async ({ params, url }) => {
  const number = batchNumberParam.safeParse(params.number);
  const found = number.success ? await locateBatch(getDb(), number.data) : ({ status: 'missing' } as const);
  return recordResponse(found, batchApiPath, (page) => batchJson(page, publicOrigin(url)));
};
