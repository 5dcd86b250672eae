/**
 * Reads a temperature data logger's export (pure: text in, readings out), so
 * transport temperatures are read from the device, never retyped. Two formats:
 *
 * 1. The portal's documented CSV (docs/logger-format.md):
 *      # logger_serial: DL-0042
 *      # interval_s: 300
 *      # required_min_c: -196
 *      # required_max_c: -150
 *      timestamp,temperature_c
 *      2026-11-20T08:00:00Z,-190.5
 * 2. Onset HOBOware's CSV export (HOBO loggers):
 *      "Plot Title: 20123456"
 *      "#","Date Time, GMT+08:00","Temp, °C (LGR S/N: 20123456, SEN S/N: 20123456)"
 *      1,11/20/26 08:00:00 AM,-190.5
 *
 * A problem names its line; a file with any problem yields no readings.
 */
import { CsvSyntaxError, parseCsv, type DelimitedRecord } from '#lib/delimited.ts';
import { isCalendarDate, isPlausibleInstant } from '#schemas/ids.ts';
import { LOGGER_MAX_READINGS } from '#lib/limits.ts';
import { outsideRange, type RequiredRange } from '#lib/temperature-range.ts';

export interface Reading {
  at: Date;
  tempC: number;
}

export interface LoggerFile {
  format: 'portal-csv' | 'hobo-csv';
  serial?: string;
  intervalSeconds?: number;
  requiredMinC?: number;
  requiredMaxC?: number;
  readings: Reading[];
}

export type LoggerParse = { ok: true; file: LoggerFile } | { ok: false; line: number; message: string };

export function parseLoggerFile(text: string): LoggerParse {
  const clean = text.replace(/^\uFEFF/, '');
  if (/^"?Plot Title:/i.test(clean.trimStart())) return parseHobo(clean);
  return parsePortalCsv(clean);
}

function parsePortalCsv(text: string): LoggerParse {
  const metas: { key: string; value: string; line: number }[] = [];
  let records: DelimitedRecord[];
  try {
    records = parseCsv(text, {
      onComment: (line, row) => {
        const meta = /^#\s*([a-z_]+)\s*:\s*(.*)$/i.exec(row.trim());
        if (meta) metas.push({ key: meta[1]!.toLowerCase(), value: meta[2]!.trim(), line });
      },
    });
  } catch (error) {
    if (error instanceof CsvSyntaxError) return { ok: false, line: error.line, message: error.message };
    throw error;
  }
  const head = records[0];
  if (!head)
    return {
      ok: false,
      line: text.split(/\r?\n/).length,
      message: 'no column header (timestamp,temperature_c) and no readings',
    };
  // The `# key: value` lines above the column header (a later one wins); `#` lines among the readings are notes.
  const header: Record<string, { value: string; line: number }> = {};
  for (const m of metas) if (m.line < head.line) header[m.key] = m;
  const headText = head.cells.join(',');
  if (headText.toLowerCase().replace(/\s/g, '') !== 'timestamp,temperature_c')
    return {
      ok: false,
      line: head.line,
      message: `expected the header "timestamp,temperature_c", found "${headText.trim().slice(0, 60)}"`,
    };
  const number = (key: string): number | undefined | 'bad' => {
    const value = header[key]?.value;
    if (value === undefined || value === '') return undefined;
    const n = Number(value);
    return Number.isFinite(n) ? n : 'bad';
  };
  for (const key of ['interval_s', 'required_min_c', 'required_max_c']) {
    if (number(key) === 'bad')
      return { ok: false, line: header[key]!.line, message: `${key}: "${header[key]!.value}" is not a number` };
  }
  const readings: Reading[] = [];
  for (const { line, cells } of records.slice(1)) {
    const [ts, temp, extra] = cells;
    if (extra !== undefined || temp === undefined)
      return { ok: false, line, message: 'a reading is "timestamp,temperature_c" (two cells)' };
    const at = parseIsoTimestamp(ts!.trim());
    if (!at)
      return {
        ok: false,
        line,
        message: `timestamp: "${ts!.trim().slice(0, 40)}" is not ISO 8601 with a time zone (e.g. 2026-11-20T08:00:00Z)`,
      };
    const t = Number(temp.trim());
    if (temp.trim() === '' || !Number.isFinite(t) || t < -273.15 || t > 200)
      return {
        ok: false,
        line,
        message: `temperature_c: "${temp.trim().slice(0, 20)}" is not a temperature in °C`,
      };
    if (readings.length && at <= readings[readings.length - 1]!.at)
      return { ok: false, line, message: 'timestamp: readings must be in time order, without repeats' };
    readings.push({ at, tempC: t });
    if (readings.length > LOGGER_MAX_READINGS)
      return { ok: false, line, message: `more than ${LOGGER_MAX_READINGS.toLocaleString('en')} readings` };
  }
  if (!readings.length) return { ok: false, line: head.line, message: 'the file has no readings' };
  const min = number('required_min_c');
  const max = number('required_max_c');
  return {
    ok: true,
    file: {
      format: 'portal-csv',
      serial: header.logger_serial?.value || undefined,
      intervalSeconds: number('interval_s') as number | undefined,
      requiredMinC: min as number | undefined,
      requiredMaxC: max as number | undefined,
      readings,
    },
  };
}

function parseIsoTimestamp(s: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) return undefined;
  const d = new Date(s);
  // A day that exists, in years PostgreSQL can store (no year 0000).
  return isCalendarDate(s.slice(0, 10)) && isPlausibleInstant(d) ? d : undefined;
}

function parseHobo(text: string): LoggerParse {
  let records;
  try {
    // The CSV reader skips rows that start with '#' (comments); HOBO's header starts with a "#" column.
    records = parseCsv(text.replace(/^"#",/m, '"No.",'));
  } catch (error) {
    if (error instanceof CsvSyntaxError) return { ok: false, line: error.line, message: error.message };
    throw error;
  }
  const title = records[0];
  const head = records[1];
  if (!head)
    return { ok: false, line: 2, message: 'expected the HOBO column header ("#","Date Time, GMT…","Temp, °C …")' };
  const dateCol = head.cells.findIndex((c) => /^Date Time/i.test(c));
  const tempCol = head.cells.findIndex((c) => /^Temp/i.test(c));
  if (dateCol < 0 || tempCol < 0)
    return { ok: false, line: head.line, message: 'expected "Date Time, GMT…" and "Temp, °C …" columns' };
  if (/°F|Â°F/.test(head.cells[tempCol]!))
    return { ok: false, line: head.line, message: 'temperatures are in °F: export in °C' };
  const zone = /GMT([+-])(\d{2}):?(\d{2})/.exec(head.cells[dateCol]!);
  const offsetMin = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) : 0;
  const serial =
    /LGR S\/N:\s*([^,)\s]+)/.exec(head.cells[tempCol]!)?.[1] ?? /Plot Title:\s*(\S+)/.exec(title?.cells[0] ?? '')?.[1];
  const readings: Reading[] = [];
  for (const r of records.slice(2)) {
    const dateText = r.cells[dateCol]?.trim() ?? '';
    const tempText = r.cells[tempCol]?.trim() ?? '';
    if (!dateText && !tempText) continue;
    const m = /^(\d{1,2})\/(\d{1,2})\/(\d{2,4}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?(AM|PM)?$/i.exec(dateText);
    if (!m)
      return {
        ok: false,
        line: r.line,
        message: `Date Time: "${dateText.slice(0, 40)}" is not MM/DD/YY hh:mm:ss AM/PM`,
      };
    let hour = Number(m[4]);
    if (m[7]) hour = (hour % 12) + (m[7].toUpperCase() === 'PM' ? 12 : 0);
    const year = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    // A day that exists (Date.UTC would roll 13/45 over into the next year), in years PostgreSQL can store.
    if (!isCalendarDate(`${String(year).padStart(4, '0')}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`))
      return { ok: false, line: r.line, message: `Date Time: "${dateText.slice(0, 40)}" is not a day that exists` };
    const utc =
      Date.UTC(year, Number(m[1]) - 1, Number(m[2]), hour, Number(m[5]), Number(m[6] ?? 0)) - offsetMin * 60_000;
    const t = Number(tempText);
    if (tempText === '' || !Number.isFinite(t))
      return { ok: false, line: r.line, message: `Temp: "${tempText.slice(0, 20)}" is not a temperature in °C` };
    const at = new Date(utc);
    if (readings.length && at <= readings[readings.length - 1]!.at)
      return { ok: false, line: r.line, message: 'Date Time: readings must be in time order, without repeats' };
    readings.push({ at, tempC: t });
    if (readings.length > LOGGER_MAX_READINGS)
      return { ok: false, line: r.line, message: `more than ${LOGGER_MAX_READINGS.toLocaleString('en')} readings` };
  }
  if (!readings.length) return { ok: false, line: head.line + 1, message: 'the file has no readings' };
  return { ok: true, file: { format: 'hobo-csv', serial, readings } };
}

export interface Excursion {
  start: Date;
  end: Date;
  durationSeconds: number;
  /** The reading furthest outside the range. */
  extremeC: number;
  side: 'above' | 'below';
}

/**
 * Runs of readings outside the required range (outsideRange). An excursion starts at its first
 * reading outside and ends at the first reading back inside (or the last reading).
 */
export function findExcursions(readings: Reading[], range: RequiredRange): Excursion[] {
  const out: Excursion[] = [];
  let current: Excursion | undefined;
  for (const r of readings) {
    const side = outsideRange(r.tempC, range);
    if (side && (!current || current.side !== side)) {
      if (current) out.push(current);
      current = { start: r.at, end: r.at, durationSeconds: 0, extremeC: r.tempC, side };
    } else if (side && current) {
      current.end = r.at;
      current.extremeC = side === 'above' ? Math.max(current.extremeC, r.tempC) : Math.min(current.extremeC, r.tempC);
    } else if (!side && current) {
      current.end = r.at;
      out.push(current);
      current = undefined;
    }
  }
  if (current) out.push(current);
  for (const e of out) e.durationSeconds = Math.round((e.end.getTime() - e.start.getTime()) / 1000);
  return out;
}
