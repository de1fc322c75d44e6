/**
 * CPU time of this process (the stack, its handlers and the load generator) and of its child
 * processes (DynamoDB Local's JVM), so a phase can say where the machine's cores went. Child figures
 * come from /proc and are Linux-only (0 elsewhere).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSample {
  at: number;
  /** CPU seconds of this Node process. */
  node: number;
  /** CPU seconds of DynamoDB Local (the JVM this process started). */
  dynamodb: number;
  /** CPU seconds the whole machine spent busy (all cores, every process, and time stolen by the hypervisor). */
  machine: number;
}

const TICKS_PER_SECOND = 100;

/** DynamoDB Local's pid once found: the bench samples often (settling), and /proc has many entries. */
let javaPid: string | undefined;

function javaStatSeconds(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state ppid ... utime(14) stime(15)
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[1]) !== process.pid) return undefined;
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function childJavaSeconds(): number {
  const known = javaPid === undefined ? undefined : javaStatSeconds(javaPid);
  if (known !== undefined) return known;
  javaPid = undefined;
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    const seconds = javaStatSeconds(pid);
    if (seconds === undefined) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('DynamoDBLocal')) continue;
    } catch {
      continue; // gone meanwhile
    }
    total += seconds;
    javaPid = pid;
  }
  return total;
}

function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu  user nice system idle iowait irq softirq steal ...
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export function cpuSample(): CpuSample {
  const u = process.cpuUsage();
  return {
    at: performance.now(),
    node: (u.user + u.system) / 1e6,
    dynamodb: childJavaSeconds(),
    machine: machineBusySeconds(),
  };
}

/** Cores busy on average between two samples (1.0 = one core fully used). */
export function coresBetween(a: CpuSample, b: CpuSample) {
  const wall = (b.at - a.at) / 1000;
  const rate = (x: number) => (wall > 0 ? x / wall : 0);
  const node = rate(b.node - a.node);
  const dynamodb = rate(b.dynamodb - a.dynamodb);
  // Everything else the machine did meanwhile: other people's processes, the kernel, stolen time.
  const other = Math.max(0, rate(b.machine - a.machine) - node - dynamodb);
  return { node, dynamodb, other };
}

/**
 * Waits until the stack and DynamoDB Local are idle (under `cores` busy over two `windowMs` windows
 * in a row, at most `maxMs`): the work a phase's requests left behind — the outbox's stream batches,
 * notifications, executions still finishing — is then counted in that phase, not in the next one.
 * Returns how long it waited.
 */
export async function settle(
  opts: { windowMs?: number; cores?: number; maxMs?: number } = {},
): Promise<number> {
  const { windowMs = 250, cores = 0.1, maxMs = 10_000 } = opts;
  const t0 = performance.now();
  let quiet = 0;
  let last = cpuSample();
  while (quiet < 2 && performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = cpuSample();
    const busy = coresBetween(last, now);
    quiet = busy.node + busy.dynamodb < cores ? quiet + 1 : 0;
    last = now;
  }
  return performance.now() - t0;
}
