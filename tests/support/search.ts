/**
 * A test file's own search: the shared Meilisearch of the run, indexes under
 * a unique prefix, fed from the test file's database through the real
 * outbox sync.
 */
import { inject } from 'vitest';
import { createSearchClient } from '#search/client.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { drainAll } from '#search/sync.ts';
import type { TestDatabase } from './db.ts';
import { uniqueIndexPrefix, useTestDatabase } from './db.ts';
import { loadDemoCatalog } from '#seed/load-demo.ts';

export async function useTestSearch(t: TestDatabase) {
  const meili = createSearchClient({ url: inject('meiliUrl'), apiKey: inject('meiliKey'), timeoutMs: 60_000 });
  const prefix = uniqueIndexPrefix();
  await ensureSearchIndexes(meili, prefix);
  return {
    meili,
    prefix,
    deps: { pool: t.pool, meili, prefix },
    async sync() {
      const r = await drainAll({ pool: t.pool, meili, prefix });
      if (r.failed) throw new Error(`sync failed: ${r.error}`);
      return r;
    },
    async drop() {
      const { results } = await meili.getIndexes({ limit: 100 });
      await Promise.all(
        results.filter((i) => i.uid.startsWith(prefix)).map((i) => meili.deleteIndex(i.uid).waitTask()),
      );
    },
  };
}

export type TestSearch = Awaited<ReturnType<typeof useTestSearch>>;

/**
 * The fixture of the search tests: a fresh database holding the demo
 * catalog, indexed through the real outbox sync into the file's own indexes.
 *
 *   beforeAll(async () => ({ t, s } = await openDemoCatalogSearch()), 180_000);
 *   afterAll(() => closeDemoCatalogSearch(t, s));
 */
export async function openDemoCatalogSearch(): Promise<{ t: TestDatabase; s: TestSearch }> {
  const t = await useTestDatabase();
  await loadDemoCatalog(t.pool);
  const s = await useTestSearch(t);
  await s.sync();
  return { t, s };
}

export async function closeDemoCatalogSearch(t: TestDatabase | undefined, s: TestSearch | undefined): Promise<void> {
  await s?.drop();
  await t?.close();
}
