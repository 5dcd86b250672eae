/**
 * The temperature curve of a shipment as pages draw it: a logger file may hold
 * LOGGER_MAX_READINGS (src/lib/limits.ts) readings, far more than a 720-pixel picture can show or a page should
 * carry. PostgreSQL cuts the time span into equal intervals and returns, per
 * interval, the reading with the lowest and the one with the highest
 * temperature (in time order), so every excursion stays in the picture however
 * short it was. The figures of the summary (count, extremes, span) are taken
 * over every reading, not over the drawn points.
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';

/** Intervals of the drawn curve: at most twice as many points (a minimum and a maximum each). */
export const CURVE_INTERVALS = 360;

export interface CurvePoint {
  at: Date;
  tempC: number;
}

export interface TemperatureCurve {
  /** Readings stored for the shipment (all of them, not the drawn points). */
  count: number;
  first: Date;
  last: Date;
  lowestC: number;
  highestC: number;
  /** At most 2 × `CURVE_INTERVALS` points, in time order. */
  points: CurvePoint[];
}

interface SummaryRow extends Record<string, unknown> {
  n: string;
  first: Date | string | null;
  last: Date | string | null;
  lo: string | null;
  hi: string | null;
}

interface PointRow extends Record<string, unknown> {
  at: Date | string;
  temp_c: string;
}

/** The shipment's curve, or null when it has no readings. */
export async function curveOf(
  db: Executor,
  shipmentId: number,
  intervals = CURVE_INTERVALS,
): Promise<TemperatureCurve | null> {
  const summary = await db.execute<SummaryRow>(sql`
    SELECT count(*) AS n, min(at) AS first, max(at) AS last, min(temp_c) AS lo, max(temp_c) AS hi
    FROM temperature_readings WHERE shipment_id = ${shipmentId}`);
  const s = summary.rows[0];
  if (!s || Number(s.n) === 0 || s.first === null || s.last === null) return null;
  const first = new Date(s.first);
  const last = new Date(s.last);
  // One pass over the shipment's readings (index on shipment_id, at): the
  // interval of each reading, then the first-lowest and first-highest per interval.
  const points = await db.execute<PointRow>(sql`
    WITH bucketed AS (
      SELECT at, temp_c,
             width_bucket(extract(epoch FROM at), ${first.getTime() / 1000}::float8, ${last.getTime() / 1000 + 0.001}::float8, ${intervals}::int) AS bucket
      FROM temperature_readings WHERE shipment_id = ${shipmentId}
    ), ranked AS (
      SELECT at, temp_c,
             row_number() OVER (PARTITION BY bucket ORDER BY temp_c, at) AS low_rank,
             row_number() OVER (PARTITION BY bucket ORDER BY temp_c DESC, at) AS high_rank
      FROM bucketed
    )
    SELECT at, temp_c FROM ranked WHERE low_rank = 1 OR high_rank = 1 ORDER BY at`);
  return {
    count: Number(s.n),
    first,
    last,
    lowestC: Number(s.lo),
    highestC: Number(s.hi),
    points: points.rows.map((r) => ({ at: new Date(r.at), tempC: Number(r.temp_c) })),
  };
}
