/**
 * The load generator of `npm run test:load`, run as its own process so the
 * portal under test does not share an event loop (or a core's worth of
 * JavaScript) with the client. Reads one JSON plan on stdin, runs its groups
 * at the same time with autocannon, writes one JSON result on stdout.
 *
 * A group draws each request from its pool with a Zipf-like popularity
 * (rank r has weight 1 / r^s): a few requests very common, a long tail seen
 * once or never; each connection draws on its own. Answers are counted by
 * their `X-Cache` header (hit, miss, bypass), for the cache hit ratio.
 */
import autocannon from 'autocannon';

export interface PlannedRequest {
  method?: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadGroup {
  name: string;
  url: string;
  connections: number;
  pool: PlannedRequest[];
  /** Zipf exponent s; 0 draws uniformly. */
  zipf: number;
}

export interface LoadPlan {
  durationS: number;
  seed: number;
  groups: LoadGroup[];
}

export interface GroupResult {
  name: string;
  requests: number;
  rps: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  latencies: number[];
  cache: { hit: number; miss: number; bypass: number };
  /** Answers other than 2xx, by status. */
  failures: Record<string, number>;
  /** Distinct pool entries actually requested. */
  distinct: number;
}

/** A seeded generator (mulberry32): the same plan draws the same sequence. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws pool indexes: rank r (0-based) with weight 1 / (r + 1)^s. */
export function zipfSampler(size: number, s: number, next: () => number) {
  const cumulative = new Float64Array(size);
  let sum = 0;
  for (let r = 0; r < size; r++) cumulative[r] = sum += 1 / (r + 1) ** s;
  return () => {
    const x = next() * sum;
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

async function runGroup(group: LoadGroup, durationS: number, seed: number): Promise<GroupResult> {
  const latencies: number[] = [];
  const cache = { hit: 0, miss: 0, bypass: 0 };
  /** Answers other than 2xx, by status: what the errors were. */
  const failures: Record<string, number> = {};
  const seen = new Set<number>();
  const draw = zipfSampler(group.pool.length, group.zipf, random(seed));
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: group.url,
        connections: group.connections,
        duration: durationS,
        timeout: 10,
        requests: [
          {
            setupRequest: (request) => {
              const i = draw();
              seen.add(i);
              const r = group.pool[i]!;
              return {
                ...request,
                method: r.method ?? 'GET',
                path: r.path,
                body: r.body,
                headers: { 'accept-encoding': 'identity', ...r.headers },
              };
            },
            onResponse: (status, _body, _context, headers) => {
              if (status < 200 || status > 299) failures[status] = (failures[status] ?? 0) + 1;
              const state = (headers as Record<string, string> | undefined)?.['x-cache'];
              if (state === 'hit' || state === 'miss' || state === 'bypass') cache[state]++;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await done;
  return {
    name: group.name,
    requests: result.requests.total,
    rps: result.requests.total / durationS,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    latencies,
    cache,
    failures,
    distinct: seen.size,
  };
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const plan = JSON.parse(input) as LoadPlan;
const results = await Promise.all(plan.groups.map((g, i) => runGroup(g, plan.durationS, plan.seed + i)));
process.stdout.write(JSON.stringify(results));
