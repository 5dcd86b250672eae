/**
 * Creates the indexes and applies their settings, only when what the server
 * has drifted from what the code says: a restart does not re-index anything.
 */
import type { Meilisearch, Settings } from 'meilisearch';
import { indexDefinitions, indexUid, type IndexDefinition } from './indexes/index.ts';

/**
 * Compares the keys the code sets. Order matters only in the lists where
 * Meilisearch gives it a meaning; the server returns other lists sorted.
 */
function drifted(wanted: Settings, actual: Settings): string[] {
  const ordered = new Set(['searchableAttributes', 'rankingRules', 'displayedAttributes']);
  const norm = (key: string, v: unknown): unknown => {
    if (Array.isArray(v) && !ordered.has(key))
      return [...v].map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).sort();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, x]) => [k, norm(k, x)]),
      );
    }
    return v;
  };
  const differs = (key: string, want: unknown, have: unknown): boolean => {
    if (want && typeof want === 'object' && !Array.isArray(want) && have && typeof have === 'object') {
      // Only what the code sets: the server adds defaults we do not care about.
      return Object.entries(want as Record<string, unknown>).some(([k, v]) =>
        differs(k, v, (have as Record<string, unknown>)[k]),
      );
    }
    return JSON.stringify(norm(key, want)) !== JSON.stringify(norm(key, have));
  };
  return Object.entries(wanted)
    .filter(([key, value]) => differs(key, value, (actual as Record<string, unknown>)[key]))
    .map(([key]) => key);
}

export interface EnsureResult {
  created: boolean;
  /** Settings that drifted and were applied. */
  changed: string[];
}

export async function ensureIndex(meili: Meilisearch, uid: string, def: IndexDefinition): Promise<EnsureResult> {
  let created = false;
  try {
    await meili.getIndex(uid);
  } catch {
    await meili.createIndex(uid, { primaryKey: def.primaryKey }).waitTask({ timeout: 30_000 });
    created = true;
  }
  const actual = await meili.index(uid).getSettings();
  const changed = drifted(def.settings, actual);
  if (changed.length) {
    const task = await meili.index(uid).updateSettings(def.settings).waitTask({ timeout: 120_000 });
    if (task.status !== 'succeeded')
      throw new Error(`settings of ${uid} not applied: ${task.error?.message ?? task.status}`);
  }
  return { created, changed };
}

/**
 * Identifier prefixes (`HPSI0114i` -> every line whose name starts so) use the
 * `STARTS WITH` filter, which Meilisearch 1.21 ships behind the
 * `containsFilter` experimental feature.
 */
export async function enableFeatures(meili: Meilisearch): Promise<void> {
  const res = await fetch(new URL('/experimental-features', meili.config.host), {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${meili.config.apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ containsFilter: true }),
  });
  if (!res.ok) throw new Error(`Meilisearch refused the containsFilter feature: HTTP ${res.status}`);
}

/** Ensures every index; returns, by index, whether it was created and which settings changed. */
export async function ensureSearchIndexes(meili: Meilisearch, prefix = ''): Promise<Record<string, EnsureResult>> {
  await enableFeatures(meili);
  const out: Record<string, EnsureResult> = {};
  for (const def of indexDefinitions) out[def.name] = await ensureIndex(meili, indexUid(prefix, def.name), def);
  return out;
}
