import type { APIRoute } from 'astro';
import { registerRangeInput } from '#schemas/bank-inputs.ts';
import { csvDownload, jsonError } from '#server/platform/http.ts';
import { getDb } from '#server/platform/runtime.ts';
import { releaseRegisterCsv } from '#server/bank/registers.ts';

/** The bank's release register of a date range as CSV, headers in both languages (staff only: the middleware guards /api/v1/staff). */
export const GET: APIRoute = async ({ url }) => {
  const parsed = registerRangeInput.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success)
    return jsonError(400, 'bad_parameter', 'from and to must be dates (YYYY-MM-DD), lang en or zh', {
      parameter: String(parsed.error.issues[0]!.path[0]),
    });
  const { from, to, lang } = parsed.data;
  return csvDownload(await releaseRegisterCsv(getDb(), from, to, lang), `release-register-${from}-${to}.csv`);
};
