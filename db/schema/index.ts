export * from './audit.ts';
export * from './outbox.ts';
