// Worker thread of batch jobs: holds the compiled segment plan and evaluates its share of each page.
import { parentPort } from 'node:worker_threads';
import { SegmentPlan, type PlannedSegment } from '../evaluation/segment-plan';

export type WorkerRequest =
  | { type: 'plan'; segments: PlannedSegment[] }
  | { type: 'evaluate'; id: number; now: number; attributes: string[]; events: string[]; mergePolicyIds: string[] };

export type WorkerResponse =
  | { type: 'ready' }
  | { type: 'result'; id: number; flags: Uint8Array }
  | { type: 'error'; id: number; message: string };

let plan = new SegmentPlan([]);
const port = parentPort!;

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'plan') {
    plan = new SegmentPlan(request.segments);
    port.postMessage({ type: 'ready' } satisfies WorkerResponse);
    return;
  }
  try {
    const { attributes, events, mergePolicyIds, now } = request;
    const width = plan.size;
    const flags = new Uint8Array(attributes.length * width);
    for (let i = 0; i < attributes.length; i++) {
      const subject = {
        attributes: JSON.parse(attributes[i]!) as unknown,
        events: JSON.parse(events[i]!) as unknown[],
        mergePolicyId: mergePolicyIds[i]!,
      };
      plan.evaluateInto(subject, now, flags, i * width);
    }
    port.postMessage({ type: 'result', id: request.id, flags } satisfies WorkerResponse, [flags.buffer]);
  } catch (err) {
    port.postMessage({ type: 'error', id: request.id, message: err instanceof Error ? err.message : String(err) } satisfies WorkerResponse);
  }
});
