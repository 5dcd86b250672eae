/** Which errors mean "PostgreSQL cannot serve now" (a 503), as opposed to a bug (a 500). */
import { expect, test } from 'vitest';
import { isDatabaseUnavailable } from '#server/platform/outage.ts';

const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: select 1\nparams: '), { cause });

test.each([
  ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  [
    'administrator shutdown',
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
  ],
  ['starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
  ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
  ['a pooled client whose connection died', new Error('Client was closed and is not queryable')],
  ['a connection error on the client', new Error('Client has encountered a connection error and is not queryable')],
  ['pool wait timeout', new Error('timeout exceeded when trying to connect')],
  [
    'a deadlock on a read while the server shuts down',
    Object.assign(new Error('deadlock detected'), { code: '40P01' }),
  ],
])('%s, even wrapped by drizzle, is an outage', (_, error) => {
  expect(isDatabaseUnavailable(error)).toBe(true);
  expect(isDatabaseUnavailable(wrapped(error))).toBe(true);
});

test.each([
  ['a syntax error', Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' })],
  ['a constraint', Object.assign(new Error('violates check constraint'), { code: '23514' })],
  ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
])('%s is not an outage', (_, error) => {
  expect(isDatabaseUnavailable(wrapped(error))).toBe(false);
});
