/**
 * The load generator of `npm run test:load`, run as its own process so the
 * portal under test does not share an event loop (or a core's worth of
 * JavaScript) with the client. Reads one JSON plan on stdin, runs its groups
 * at the same time with autocannon, writes one JSON result on stdout.
 */
import autocannon from 'autocannon';

export interface LoadGroup {
  name: string;
  url: string;
  connections: number;
  requests: { method?: 'GET' | 'POST'; path: string; body?: string; headers?: Record<string, string> }[];
}

export interface LoadPlan {
  durationS: number;
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
}

async function runGroup(group: LoadGroup, durationS: number): Promise<GroupResult> {
  const latencies: number[] = [];
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({
    url: group.url,
    connections: group.connections,
    duration: durationS,
    timeout: 10,
    requests: group.requests.map((r) => ({ method: r.method ?? 'GET', path: r.path, body: r.body, headers: { 'accept-encoding': 'identity', ...r.headers } })),
    }, (error, result) => (error ? reject(error) : resolve(result)));
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
  };
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const plan = JSON.parse(input) as LoadPlan;
const results = await Promise.all(plan.groups.map((g) => runGroup(g, plan.durationS)));
process.stdout.write(JSON.stringify(results));
