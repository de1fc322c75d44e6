/**
 * `npm start`'s entry point (infra/local/main.ts) as a process of its own, as a user runs it, so that
 * kill -9 is a real crash: its data directory survives a kill and a restart on the same port finds it.
 * Used by the crash tests (crash.test.ts, notify-crash.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './helpers.js';

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

export interface Runner {
  /** The runner's data directory (DynamoDB Local's files, checkpoints): kept across restarts. */
  readonly dataDir: string;
  /** `http://127.0.0.1:<port>`, the same port for every start. */
  readonly base: string;
  /** Starts the runner and waits for its banner. */
  start(): Promise<void>;
  /** Sends the signal and waits for the process to exit: SIGKILL is the crash, SIGINT Ctrl-C. */
  kill(signal: 'SIGKILL' | 'SIGINT'): Promise<void>;
  /** A JSON request to the runner. */
  call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A local-stack token for these claims. */
  token(claims: object): Promise<string>;
  /** Ctrl-C if it still runs, then removes the data directory (for afterAll). */
  dispose(): Promise<void>;
}

export function localRunner(prefix: string): Runner {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  let child: ChildProcess | undefined;
  let port = 0;
  const runner: Runner = {
    dataDir,
    get base() {
      return `http://127.0.0.1:${port}`;
    },
    async start() {
      port ||= await freePort();
      const proc = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
        env: { ...process.env, PORT: String(port), LOCAL_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      let out = '';
      proc.stdout?.on('data', (d) => {
        out += d;
      });
      proc.stderr?.on('data', (d) => {
        out += d;
      });
      try {
        await eventually(async () => out.includes('local stack ready'), 90_000, "the runner's banner");
      } catch (err) {
        // The output as it is when the wait gives up (a message built before the wait would be empty).
        throw new Error(`${(err as Error).message} (output so far: ${out.slice(-500) || 'none'})`);
      }
    },
    async kill(signal) {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((ok) => proc.once('exit', ok));
      proc.kill(signal);
      await exited;
    },
    async call(method, path, token, body) {
      const res = await fetch(`${runner.base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async token(claims) {
      return (await runner.call('POST', '/_local/token', undefined, claims)).body.token as string;
    },
    async dispose() {
      await runner.kill('SIGINT');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return runner;
}
