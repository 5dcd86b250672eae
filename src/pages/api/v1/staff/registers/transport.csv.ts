import type { APIRoute } from 'astro';
import { registerRangeInput } from '#schemas/request-inputs.ts';
import { jsonError } from '#server/platform/http.ts';
import { getDb } from '#server/platform/runtime.ts';
import { transportRegisterCsv } from '#server/requests/registers.ts';

/** The transport register of a date range as CSV (staff only: the middleware guards /api/v1/staff). */
export const GET: APIRoute = async ({ url }) => {
  const parsed = registerRangeInput.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return jsonError(400, 'bad_parameter', `${issue.path.join('.')} must be a date (YYYY-MM-DD)`, { parameter: issue.path.join('.') });
  }
  const { from, to, lang } = parsed.data;
  const csv = await transportRegisterCsv(getDb(), from, to, lang);
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="transport-register-${from}-${to}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
};
