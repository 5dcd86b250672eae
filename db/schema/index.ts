export * from './audit.ts';
export * from './outbox.ts';
export * from './catalog.ts';
export * from './batches.ts';
export * from './stock.ts';
export * from './clinical.ts';
export * from './accounts.ts';
export * from './saved-searches.ts';
