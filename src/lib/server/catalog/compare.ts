/**
 * Lines side by side: the public record of each (resolved like their
 * addresses: synonyms and identifiers find the standard name), and the
 * names that found nothing. No HTTP here.
 */
import type { Database } from '#db/client.ts';
import { locateLine, type LinePage } from './catalog.ts';

export interface Comparison {
  lines: LinePage[];
  /** Names as typed that no public line answers to. */
  unknown: string[];
}

export async function compareLines(db: Database, names: string[]): Promise<Comparison> {
  const found = await Promise.all(
    names.map(async (name) => {
      const located = await locateLine(db, name);
      if (located.status === 'moved') {
        const moved = await locateLine(db, located.to);
        return moved.status === 'found' ? moved.page : name;
      }
      return located.status === 'found' ? located.page : name;
    }),
  );
  const lines: LinePage[] = [];
  const unknown: string[] = [];
  for (const f of found) {
    if (typeof f === 'string') unknown.push(f);
    else if (!lines.some((l) => l.name === f.name)) lines.push(f);
  }
  return { lines, unknown };
}
