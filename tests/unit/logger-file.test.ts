/** Reading data logger exports: the portal CSV and HOBOware's, errors with their line, excursions. */
import { describe, expect, test } from 'vitest';
import { findExcursions, parseLoggerFile } from '#server/requests/logger-file.ts';
import { isEmptyRange, outsideRange } from '#lib/temperature-range.ts';

describe('the portal CSV', () => {
  test('reads header values and readings', () => {
    const r = parseLoggerFile(
      '\uFEFF# logger_serial: DL-9\n# interval_s: 60\n# required_min_c: -196\n# required_max_c: -150\ntimestamp,temperature_c\n2026-11-20T08:00:00Z,-190.5\n2026-11-20T08:01:00+08:00,-189\n'.replace(
        '08:01:00+08:00',
        '16:01:00+08:00',
      ),
    );
    expect(r).toMatchObject({
      ok: true,
      file: { format: 'portal-csv', serial: 'DL-9', intervalSeconds: 60, requiredMinC: -196, requiredMaxC: -150 },
    });
    if (r.ok)
      expect(r.file.readings.map((x) => [x.at.toISOString(), x.tempC])).toEqual([
        ['2026-11-20T08:00:00.000Z', -190.5],
        ['2026-11-20T08:01:00.000Z', -189],
      ]);
  });

  test.each([
    ['no header', '2026-11-20T08:00:00Z,-190\n', 1, 'expected the header'],
    ['a time without zone', 'timestamp,temperature_c\n2026-11-20T08:00:00,-190\n', 2, 'ISO 8601'],
    [
      'a temperature that is not a number',
      'timestamp,temperature_c\n2026-11-20T08:00:00Z,-190\n2026-11-20T08:01:00Z,cold\n',
      3,
      'temperature_c',
    ],
    ['three cells', 'timestamp,temperature_c\n2026-11-20T08:00:00Z,-190,x\n', 2, 'two cells'],
    [
      'readings out of order',
      'timestamp,temperature_c\n2026-11-20T08:01:00Z,-190\n2026-11-20T08:00:00Z,-190\n',
      3,
      'time order',
    ],
    ['no readings', 'timestamp,temperature_c\n', 1, 'no readings'],
    [
      'a bad header value further down',
      '# logger_serial: interval_s\n\n# interval_s: often\ntimestamp,temperature_c\n2026-11-20T08:00:00Z,-190\n',
      3,
      'interval_s',
    ],
    [
      'an unterminated quote (the line it opens on)',
      'timestamp,temperature_c\n2026-11-20T08:00:00Z,-190\n\n"2026-11-20T08:01:00Z,-190\n',
      4,
      'unterminated',
    ],
    ['a bad reading after a blank line', 'timestamp,temperature_c\n\n\n2026-11-20T08:00:00Z,x\n', 4, 'temperature_c'],
    [
      'a bad header value',
      '# interval_s: often\ntimestamp,temperature_c\n2026-11-20T08:00:00Z,-190\n',
      1,
      'interval_s',
    ],
  ])('refuses %s, naming the line', (_, text, line, message) => {
    const r = parseLoggerFile(text);
    expect(r).toMatchObject({ ok: false, line });
    if (!r.ok) expect(r.message).toContain(message);
  });
});

describe('the portal CSV through the shared CSV reader', () => {
  test('quoted cells (as spreadsheets write them), CRLF and notes among the readings read as plain ones', () => {
    const r = parseLoggerFile(
      '# required_min_c: -196\r\n"timestamp","temperature_c"\r\n"2026-11-20T08:00:00Z","-190.5"\r\n# door opened\r\n2026-11-20T08:01:00Z,-189\r\n',
    );
    expect(r).toMatchObject({ ok: true, file: { requiredMinC: -196 } });
    if (r.ok) expect(r.file.readings.map((x) => x.tempC)).toEqual([-190.5, -189]);
  });

  test('a # key: value line below the column header is a note, not a header value', () => {
    const r = parseLoggerFile('timestamp,temperature_c\n# required_min_c: 5\n2026-11-20T08:00:00Z,-190\n');
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(r.file.requiredMinC).toBeUndefined();
  });
});

describe('HOBOware CSV', () => {
  const hobo = [
    '"Plot Title: 20123456"',
    '"#","Date Time, GMT+08:00","Temp, °C (LGR S/N: 20123456, SEN S/N: 20123456)"',
    '1,11/20/26 04:00:00 PM,-190.5',
    '2,11/20/26 04:10:00 PM,-145.0',
    '3,11/20/26 04:20:00 PM,-188.2',
  ].join('\r\n');

  test('reads serial, zone and readings', () => {
    const r = parseLoggerFile(hobo);
    expect(r).toMatchObject({ ok: true, file: { format: 'hobo-csv', serial: '20123456' } });
    if (r.ok)
      expect(r.file.readings.map((x) => x.at.toISOString())).toEqual([
        '2026-11-20T08:00:00.000Z',
        '2026-11-20T08:10:00.000Z',
        '2026-11-20T08:20:00.000Z',
      ]);
  });

  test('refuses a bad date with its line, and Fahrenheit', () => {
    expect(parseLoggerFile(hobo.replace('11/20/26 04:10:00 PM', 'yesterday'))).toMatchObject({ ok: false, line: 4 });
    expect(parseLoggerFile(hobo.replace('°C', '°F'))).toMatchObject({ ok: false, line: 2 });
  });
});

describe('the required range', () => {
  test('the limits belong to the range; stored (string) and typed (number) limits read alike', () => {
    const range = { requiredMinC: '-196', requiredMaxC: '-150' };
    expect(outsideRange(-196, range)).toBeUndefined();
    expect(outsideRange(-150, range)).toBeUndefined();
    expect(outsideRange(-149.9, range)).toBe('above');
    expect(outsideRange(-196.1, { requiredMinC: -196, requiredMaxC: -150 })).toBe('below');
    expect(isEmptyRange({ requiredMinC: 2, requiredMaxC: 2 })).toBe(true);
    expect(isEmptyRange({ requiredMinC: '2', requiredMaxC: '8' })).toBe(false);
  });
  test('a reading exactly at a limit is no excursion', () => {
    const at = (m: number) => new Date(Date.UTC(2026, 10, 20, 8, m));
    const readings = [-150, -196, -150].map((t, i) => ({ at: at(i), tempC: t }));
    expect(findExcursions(readings, { requiredMinC: -196, requiredMaxC: -150 })).toEqual([]);
  });
});

describe('excursions', () => {
  const at = (m: number) => new Date(Date.UTC(2026, 10, 20, 8, m));
  test('a run outside the range is one excursion from its first reading out to the first back in', () => {
    const readings = [-190, -160, -149, -140, -151, -190, -200, -190].map((t, i) => ({ at: at(i * 5), tempC: t }));
    expect(findExcursions(readings, { requiredMinC: -196, requiredMaxC: -150 })).toEqual([
      { start: at(10), end: at(20), durationSeconds: 600, extremeC: -140, side: 'above' },
      { start: at(30), end: at(35), durationSeconds: 300, extremeC: -200, side: 'below' },
    ]);
  });
  test('no excursion inside the range; one that never returns ends at the last reading', () => {
    expect(findExcursions([{ at: at(0), tempC: -190 }], { requiredMinC: -196, requiredMaxC: -150 })).toEqual([]);
    expect(
      findExcursions(
        [
          { at: at(0), tempC: -190 },
          { at: at(5), tempC: -100 },
          { at: at(9), tempC: -90 },
        ],
        { requiredMinC: -196, requiredMaxC: -150 },
      ),
    ).toEqual([{ start: at(5), end: at(9), durationSeconds: 240, extremeC: -90, side: 'above' }]);
  });
});
