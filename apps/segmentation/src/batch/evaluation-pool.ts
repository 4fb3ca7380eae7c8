import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PlannedSegment } from '../evaluation/segment-plan';
import type { ProfileSnapshot } from '../evaluation/profile-snapshot';
import type { WorkerRequest, WorkerResponse } from './evaluation.worker';

interface Pending {
  resolve: (flags: Uint8Array) => void;
  reject: (err: Error) => void;
}

/** Where the worker's source lives: compiled JavaScript beside this file, or TypeScript run through @swc-node/register. */
function workerSource(): { code: string; env: NodeJS.ProcessEnv } {
  const js = join(__dirname, 'evaluation.worker.js');
  if (existsSync(js)) return { code: `require(${JSON.stringify(js)});`, env: process.env };
  const ts = join(__dirname, 'evaluation.worker.ts');
  const project = process.env['SWC_NODE_PROJECT'] ?? resolve(__dirname, '../../../../tsconfig.json');
  return {
    code: `require('@swc-node/register'); require(${JSON.stringify(ts)});`,
    env: { ...process.env, SWC_NODE_PROJECT: project },
  };
}

/**
 * Worker threads holding the same compiled segment plan; each page is split evenly between them, so a batch job
 * uses every core it is given while the main thread reads the next page and writes the last one.
 */
export class EvaluationPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(
    private readonly workers: Worker[],
    readonly width: number,
  ) {
    for (const worker of workers) {
      worker.on('message', (message: WorkerResponse) => {
        if (message.type === 'ready') return;
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.type === 'result') pending?.resolve(message.flags);
        else pending?.reject(new Error(`evaluation failed in a worker: ${message.message}`));
      });
      worker.on('error', (err) => this.failAll(err));
    }
  }

  static async start(size: number, segments: readonly PlannedSegment[]): Promise<EvaluationPool> {
    const { code, env } = workerSource();
    const workers = Array.from({ length: size }, () => new Worker(code, { eval: true, env }));
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((ready, fail) => {
            const onMessage = (message: WorkerResponse) => {
              if (message.type !== 'ready') return;
              worker.off('message', onMessage);
              worker.off('error', fail);
              ready();
            };
            worker.on('message', onMessage);
            worker.once('error', fail);
            worker.postMessage({ type: 'plan', segments: [...segments] } satisfies WorkerRequest);
          }),
      ),
    );
    return new EvaluationPool(workers, segments.length);
  }

  /** Flags of `rows` (row-major: rows.length × width, 1 = qualifies), evaluated at `now`. */
  async evaluate(rows: readonly ProfileSnapshot[], now: number): Promise<Uint8Array> {
    const share = Math.ceil(rows.length / this.workers.length);
    const parts = await Promise.all(
      this.workers.map((worker, w) => {
        const slice = rows.slice(w * share, (w + 1) * share);
        if (!slice.length) return Promise.resolve(new Uint8Array(0));
        const id = this.nextId++;
        return new Promise<Uint8Array>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          worker.postMessage({
            type: 'evaluate',
            id,
            now,
            attributes: slice.map((r) => r.attributes),
            events: slice.map((r) => r.events),
            mergePolicyIds: slice.map((r) => r.mergePolicyId),
          } satisfies WorkerRequest);
        });
      }),
    );
    const flags = new Uint8Array(rows.length * this.width);
    let offset = 0;
    for (const part of parts) {
      flags.set(part, offset);
      offset += part.length;
    }
    return flags;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.failAll(new Error('evaluation pool closed'));
  }

  private failAll(err: Error): void {
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
  }
}
