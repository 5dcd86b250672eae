/** Every message module, merged. Add a new area's file here. */
import { auth } from './auth.ts';
import { catalog } from './catalog.ts';
import { common } from './common.ts';
import { requests } from './requests.ts';
import { search } from './search.ts';
import { researcher } from './researcher.ts';

import { outage } from './outage.ts';
import { bank } from './bank.ts';

export const modules = [common, auth, catalog, search, requests, researcher, outage, bank] as const;

type Union = (typeof modules)[number]['en'];
type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;
export type MessageKey = keyof UnionToIntersection<Union>;
export type Messages = Record<MessageKey, string>;

export const en = Object.assign({}, ...modules.map((m) => m.en)) as Messages;
export const zh = Object.assign({}, ...modules.map((m) => m.zh)) as Messages;
