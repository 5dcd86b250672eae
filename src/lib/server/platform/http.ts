/** JSON answers of the public API: one shape for every error. */
export function jsonError(status: number, error: string, message: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error, message, ...extra }, { status, headers: { 'Cache-Control': 'no-store' } });
}

export function jsonOk(body: unknown, init: ResponseInit = {}): Response {
  return Response.json(body, { ...init, headers: { 'Cache-Control': 'no-store', ...init.headers } });
}
