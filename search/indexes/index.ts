/** Every index the portal keeps, with its settings and primary key. */
import type { Settings } from 'meilisearch';
import { BATCHES, batchSettings } from './batches.ts';
import { LINES, lineSettings } from './lines.ts';

export interface IndexDefinition {
  name: string;
  primaryKey: string;
  settings: Settings;
}

export const indexDefinitions: IndexDefinition[] = [
  { name: LINES, primaryKey: 'id', settings: lineSettings },
  { name: BATCHES, primaryKey: 'id', settings: batchSettings },
];

/** The uid of an index under a prefix (tests and shared servers use one). */
export function indexUid(prefix: string, name: string): string {
  return `${prefix}${name}`;
}
