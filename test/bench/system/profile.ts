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
