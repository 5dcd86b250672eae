/** JSON answers of the public API: one shape for every error. */
export function jsonError(
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): Response {
  return Response.json({ error, message, ...extra }, { status, headers: { 'Cache-Control': 'no-store' } });
}

export function jsonOk(body: unknown, init: ResponseInit = {}): Response {
  return Response.json(body, { ...init, headers: { 'Cache-Control': 'no-store', ...init.headers } });
}

/** The API's answer to a failed search: 400 naming the parameter, or 503 with Retry-After. */
export function searchFailureResponse(
  failure: { kind: 'bad_parameter'; parameter: string; message: string } | { kind: 'unavailable' },
): Response {
  if (failure.kind === 'bad_parameter')
    return jsonError(400, 'bad_parameter', failure.message, { parameter: failure.parameter });
  const response = jsonError(503, 'search_unavailable', 'Search is unavailable at the moment; try again shortly.');
  response.headers.set('Retry-After', '5');
  return response;
}

/**
 * The API's answer for a located record (catalog-json.ts `recordJson`): its JSON, a 308 to the standard
 * address (308 keeps the method, unlike 301), or a JSON 404.
 */
export function recordResponse(
  answer: { status: 'found'; body: unknown } | { status: 'moved'; location: string } | { status: 'missing' },
): Response {
  if (answer.status === 'moved') return new Response(null, { status: 308, headers: { Location: answer.location } });
  if (answer.status === 'missing') return jsonError(404, 'not_found', 'No public record answers to this name.');
  return jsonOk(answer.body);
}

/** A CSV download (attachment, never cached). */
export function csvDownload(csv: string, filename: string): Response {
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`,
      'Cache-Control': 'no-store',
    },
  });
}
