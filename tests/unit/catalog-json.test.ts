/** The catalog's JSON service answers in data; the route helper alone makes the HTTP answer. */
import { describe, expect, test } from 'vitest';
import { lineApiPath, recordJson } from '#server/catalog/catalog-json.ts';
import { recordResponse } from '#server/platform/http.ts';

describe('a located record', () => {
  const toJson = (page: { name: string }) => ({ name: page.name });

  test('found, moved and missing are data, not responses', () => {
    expect(recordJson({ status: 'found', page: { name: 'WAe009-A' } }, lineApiPath, toJson)).toEqual({
      status: 'found',
      body: { name: 'WAe009-A' },
    });
    expect(recordJson({ status: 'moved', to: 'WAe009-A' }, lineApiPath, toJson)).toEqual({
      status: 'moved',
      location: '/api/v1/lines/WAe009-A',
    });
    expect(recordJson({ status: 'missing' }, lineApiPath, toJson)).toEqual({ status: 'missing' });
  });

  test('the route answers 200 with the JSON, 308 to the standard address (keeps the method), or a JSON 404', async () => {
    const found = recordResponse({ status: 'found', body: { name: 'x' } });
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ name: 'x' });
    const moved = recordResponse({ status: 'moved', location: '/api/v1/lines/x' });
    expect([moved.status, moved.headers.get('Location')]).toEqual([308, '/api/v1/lines/x']);
    const missing = recordResponse({ status: 'missing' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });
});
