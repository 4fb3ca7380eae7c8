import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Highest resident set size (MB) sampled since the last reset. */
  peakRssMb(): number;
  /** CPU seconds (user + system) the process has used so far: a cost per event that other load on the machine does not inflate much. */
  cpuSeconds(): number;
  resetPeak(): void;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown hooks, no draining — a crash. */
  kill(): Promise<void>;
}

/**
 * Runs apps/ingestion/src/main.ts as its own process (as in production) and samples its resident memory.
 * `nodeArgs` go to node itself, e.g. `--cpu-prof --cpu-prof-dir=<dir>` (the profile is written when the process stops).
 */
export async function startServiceProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServiceProcess> {
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [...nodeArgs, '-r', '@swc-node/register', join(root, 'apps/ingestion/src/main.ts')], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1', SWC_NODE_PROJECT: join(root, 'tsconfig.base.json') },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error('the ingestion service exited during start-up');
    const ok = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 600) throw new Error('the ingestion service did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  let peak = 0;
  const sample = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb / 1024);
    } catch {
      // the process is gone
    }
  }, 100);
  const end = async (signal: NodeJS.Signals) => {
    clearInterval(sample);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  return {
    child,
    url,
    peakRssMb: () => peak,
    cpuSeconds: () => {
      // /proc/<pid>/stat: utime and stime are the 14th and 15th fields, in clock ticks (100 per second on Linux).
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    resetPeak: () => (peak = 0),
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}

