import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

export interface ServiceProcess {
  url: string;
  /** Calls the service's HTTP API with its key; JSON bodies are sent and parsed. */
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/**
 * Runs another Weft service (`apps/<app>/src/main.ts`) as its own process, as in production: apps may not import
 * each other. It inherits the test run's broker, database, registry and topic prefix; `env` gives it its own
 * database schema and anything else it needs. Resolves once `/health/ready` answers.
 */
export async function startServiceProcess(app: string, apiKey: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', join(root, `apps/${app}/src/main.ts`)], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...env,
      WEFT_API_KEYS: apiKey,
      PORT: String(port),
      HOST: '127.0.0.1',
      SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the ${app} service exited during start-up (code ${child.exitCode})`);
    const ready = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (i > 900) {
      await stop();
      throw new Error(`the ${app} service did not become ready within 90 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async api(method, path, body, headers = {}) {
      const raw = typeof body === 'string';
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { 'x-api-key': apiKey, ...(body !== undefined && !raw ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    stop,
  };
}
