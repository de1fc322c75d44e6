/**
 * `--profile PATH`: a V8 CPU profile of the measured phases only (not start-up or synthesis), written
 * as a .cpuprofile (open it in Chrome DevTools or speedscope) and summarised by package.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface Profiler {
  stop(): Promise<CpuProfile>;
}

export async function startProfiler(): Promise<Profiler> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop');
      session.disconnect();
      return profile;
    },
  };
}

const packageOf = (url: string): string => {
  if (!url) return '(native, GC, idle)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return url;
  const own = /\/(shared|functions|infra|test)\/(.+?)(\?.*)?$/.exec(url);
  return own ? `${own[1]}/${own[2]!.split('/')[0]}` : url;
};

/** What the Node process spends its CPU on, by kind of work (self time; first match wins). */
const GROUPS: [string, (url: string, fn: string) => boolean][] = [
  ['AWS SDK (@smithy/*, @aws-sdk/*)', (u) => /node_modules\/@(smithy|aws-sdk)\//.test(u)],
  [
    'Node HTTP, sockets, streams, events',
    (u, f) =>
      /^node:(_http|net|events|internal\/(streams|http|stream_base))/.test(u) ||
      f === 'writev' ||
      f === 'writeUtf8String' ||
      f === 'writeBuffer',
  ],
  ['crypto (SigV4 hashing)', (u, f) => /^node:internal\/crypto/.test(u) || f === 'Hash' || f === 'digest'],
  [
    'async hooks, microtasks, timers',
    (u, f) =>
      /^node:(async_hooks|internal\/(async_hooks|process\/task_queues|timers))/.test(u) ||
      f === 'runMicrotasks',
  ],
  ['garbage collection', (_u, f) => f === '(garbage collector)'],
  ['idle', (_u, f) => f === '(idle)'],
  ['zod', (u) => /node_modules\/zod\//.test(u)],
  ['Powertools logger', (u) => /node_modules\/@aws-lambda-powertools\//.test(u)],
  [
    'local Step Functions engine',
    (u) => /aws-local-stepfunctions|jsonpath|infra\/local\/(stepfunctions|sfn-endpoint)/.test(u),
  ],
  ['rest of the local stack (gateway, bus, tokens)', (u) => /\/infra\/local\//.test(u)],
  ['the system (functions/, shared/)', (u) => /\/(functions|shared)\//.test(u)],
  ['bench instrumentation', (u) => /\/test\/bench\//.test(u)],
];

/** Self time by kind of work (GROUPS), as rows for the report. */
export function profileByKind(profile: CpuProfile): string[][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const sums = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const cf = byId.get(id)?.callFrame;
    const group = cf ? GROUPS.find(([, test]) => test(cf.url, cf.functionName))?.[0] : undefined;
    const key = group ?? 'other (V8, Node internals)';
    sums.set(key, (sums.get(key) ?? 0) + dt);
  });
  return [
    ['CPU profile of the measured phases, by kind of work', 'share', 'ms'],
    ...[...sums]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, `${((v / total) * 100).toFixed(1)}%`, (v / 1000).toFixed(0)]),
  ];
}

/** Self time by package (or own folder), as rows for the report. */
export function summariseProfile(profile: CpuProfile, top = 15): string[][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const cf = byId.get(id)?.callFrame;
    const key = cf ? (cf.url ? packageOf(cf.url) : `(${cf.functionName || 'native'})`) : '?';
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [
    ['CPU profile of the measured phases (self time)', 'share', 'ms'],
    ...[...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => [k, `${((v / total) * 100).toFixed(1)}%`, (v / 1000).toFixed(0)]),
  ];
}

export function writeProfile(path: string, profile: CpuProfile): void {
  writeFileSync(path, JSON.stringify(profile));
}
