import { randomUUID } from 'node:crypto';
import { ConnectionWorker, defaultDeliverySettings, type DeliverySettings } from './connection-worker';
import { profileCount, type ClaimResult, type ClaimedDelivery, type DeliveryItem, type DeliveryOutcome, type DeliveryReport, type DeliveryRequest, type DeliveryStore } from './delivery';
import { expectEventually } from '@weft/testing';

/** The outbox contract in memory: waiting items, leased deliveries, completed and dead-lettered ones. */
class MemoryStore implements DeliveryStore {
  waiting: DeliveryItem[] = [];
  leased = new Map<string, { delivery: ClaimedDelivery; leaseUntil: number }>();
  completed: { delivery: ClaimedDelivery; report: DeliveryReport }[] = [];
  deadLettered: { delivery: ClaimedDelivery; report: DeliveryReport }[] = [];

  /** `n` profiles, in items of `perItem` profiles (as one Kafka batch writes them). */
  enqueue(n: number, perItem = 1, dataflowId = 'df-1'): void {
    for (let i = 0; i < n; i += perItem) {
      const ids = Array.from({ length: Math.min(perItem, n - i) }, (_, j) => `p-${this.waiting.length}-${i + j}`);
      this.waiting.push({ dataflowId, profileIds: ids, documents: JSON.stringify(ids.map((id) => ({ id }))), enqueuedAt: Date.now() });
    }
  }

  async claimBatch(connectionId: string, max: number, maxWaitMs: number, leaseMs: number): Promise<ClaimResult> {
    if (!this.waiting.length) return { waitMs: null };
    const age = Date.now() - this.waiting[0].enqueuedAt;
    if (profileCount(this.waiting) < max && age < maxWaitMs) return { waitMs: maxWaitMs - age };
    let take = 1;
    while (take < this.waiting.length && profileCount(this.waiting.slice(0, take + 1)) <= max) take++;
    const delivery = { id: randomUUID(), connectionId, items: this.waiting.splice(0, take), attempts: 0 };
    this.leased.set(delivery.id, { delivery, leaseUntil: Date.now() + leaseMs });
    return { delivery };
  }

  async claimExpired(_connectionId: string, leaseMs: number): Promise<ClaimedDelivery | null> {
    for (const entry of this.leased.values()) {
      if (entry.leaseUntil <= Date.now()) {
        entry.leaseUntil = Date.now() + leaseMs;
        return entry.delivery;
      }
    }
    return null;
  }

  async recordAttempt(deliveryId: string, attempts: number): Promise<void> {
    const entry = this.leased.get(deliveryId);
    if (entry) entry.delivery = { ...entry.delivery, attempts };
  }

  async release(deliveryId: string): Promise<void> {
    const entry = this.leased.get(deliveryId);
    if (entry) entry.leaseUntil = 0;
  }

  async complete(delivery: ClaimedDelivery, report: DeliveryReport): Promise<void> {
    this.leased.delete(delivery.id);
    this.completed.push({ delivery, report });
  }

  async deadLetter(delivery: ClaimedDelivery, report: DeliveryReport): Promise<void> {
    this.leased.delete(delivery.id);
    this.deadLettered.push({ delivery, report });
  }
}

const fastSettings = (over: Partial<DeliverySettings> = {}): DeliverySettings => ({
  ...defaultDeliverySettings,
  maxBatchWaitMs: 20,
  concurrency: 2,
  ...over,
  retry: { ...defaultDeliverySettings.retry, initialDelayMs: 1, maxDelayMs: 5, ...over.retry },
});

describe(ConnectionWorker.name, () => {
  let sut: ConnectionWorker | undefined;
  afterEach(async () => {
    await sut?.stop();
    sut = undefined;
  });

  function start(store: MemoryStore, send: (r: DeliveryRequest) => Promise<DeliveryOutcome>, settings = fastSettings()) {
    sut = new ConnectionWorker('conn-1', settings, store, send, { idlePollMs: 10 });
    sut.start();
    return sut;
  }

  it('groups waiting items into requests of at most maxBatchProfiles', async () => {
    const store = new MemoryStore();
    store.enqueue(250);
    const sizes: number[] = [];
    start(store, async (r) => {
      sizes.push((JSON.parse(r.body) as unknown[]).length);
      expect(r.profiles).toBe(sizes[sizes.length - 1]);
      return { kind: 'delivered', status: 200 };
    });
    await expectEventually(() => expect(profileCount(store.completed.flatMap((c) => c.delivery.items))).toBe(250));
    expect(Math.max(...sizes)).toBe(100);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(250);
  });

  it('sends the documents of several items as one JSON array, in order', async () => {
    const store = new MemoryStore();
    store.enqueue(130, 30);
    const bodies: { id: string }[][] = [];
    start(store, async (r) => {
      bodies.push(JSON.parse(r.body) as { id: string }[]);
      return { kind: 'delivered', status: 200 };
    });
    await expectEventually(() => expect(store.completed).toHaveLength(2));
    expect(bodies.map((b) => b.length)).toEqual([90, 40]);
    expect(bodies.flat().map((d) => d.id)).toEqual(store.completed.flatMap((c) => c.delivery.items.flatMap((i) => i.profileIds)));
  });

  it('sends a partial batch once its oldest item waited maxBatchWaitMs', async () => {
    const store = new MemoryStore();
    start(store, async () => ({ kind: 'delivered', status: 200 }));
    store.enqueue(3);
    sut?.notify();
    await expectEventually(() => expect(store.completed).toHaveLength(1), { timeoutMs: 2_000 });
    expect(store.completed[0].delivery.items).toHaveLength(3);
  });

  it('retries with the same delivery id until delivered, and records every attempt', async () => {
    const store = new MemoryStore();
    store.enqueue(1);
    const seen: { id: string; attempt: number }[] = [];
    start(store, async (r) => {
      seen.push({ id: r.deliveryId, attempt: r.attempt });
      return r.attempt < 3 ? { kind: 'retry', status: 503, error: 'unavailable' } : { kind: 'delivered', status: 200 };
    });
    await expectEventually(() => expect(store.completed).toHaveLength(1));
    expect(new Set(seen.map((s) => s.id)).size).toBe(1);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(store.completed[0].report.log.map((l) => l.outcome)).toEqual(['retry', 'retry', 'delivered']);
  });

  it('dead-letters at once on a final failure', async () => {
    const store = new MemoryStore();
    store.enqueue(1);
    let calls = 0;
    start(store, async () => {
      calls++;
      return { kind: 'failed', status: 400, error: 'bad request' };
    });
    await expectEventually(() => expect(store.deadLettered).toHaveLength(1));
    expect(calls).toBe(1);
    expect(store.deadLettered[0].report).toMatchObject({ attempts: 1, status: 400, error: 'bad request' });
  });

  it('dead-letters after the retry budget', async () => {
    const store = new MemoryStore();
    store.enqueue(1);
    start(store, async () => ({ kind: 'retry', status: 500, error: 'boom' }), fastSettings({ retry: { ...defaultDeliverySettings.retry, maxAttempts: 4 } }));
    await expectEventually(() => expect(store.deadLettered).toHaveLength(1));
    expect(store.deadLettered[0].report.attempts).toBe(4);
  });

  it('waits as long as Retry-After asks (capped by maxRetryAfterMs)', async () => {
    const store = new MemoryStore();
    store.enqueue(1);
    const times: number[] = [];
    start(store, async (r) => {
      times.push(Date.now());
      return r.attempt === 1 ? { kind: 'retry', status: 429, error: 'slow down', retryAfterMs: 300 } : { kind: 'delivered' };
    });
    await expectEventually(() => expect(store.completed).toHaveLength(1));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(290);
  });

  it('turns a throwing transport into a retry', async () => {
    const store = new MemoryStore();
    store.enqueue(1);
    start(store, async (r) => {
      if (r.attempt === 1) throw new Error('socket hang up');
      return { kind: 'delivered' };
    });
    await expectEventually(() => expect(store.completed).toHaveLength(1));
    expect(store.completed[0].report.log[0]).toMatchObject({ outcome: 'retry', error: 'socket hang up' });
  });

  it('takes over a delivery whose lease ran out, keeping its id and attempts', async () => {
    const store = new MemoryStore();
    const orphan = { id: 'orphan-1', connectionId: 'conn-1', items: [{ dataflowId: 'df', profileIds: ['p'], documents: '[{}]', enqueuedAt: 0 }], attempts: 2 };
    store.leased.set(orphan.id, { delivery: orphan, leaseUntil: 0 });
    const attempts: number[] = [];
    start(store, async (r) => {
      expect(r.deliveryId).toBe('orphan-1');
      attempts.push(r.attempt);
      return { kind: 'delivered' };
    });
    await expectEventually(() => expect(store.completed).toHaveLength(1));
    expect(attempts).toEqual([3]);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const store = new MemoryStore();
    store.enqueue(40);
    let inFlight = 0;
    let peak = 0;
    start(
      store,
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
        return { kind: 'delivered' };
      },
      fastSettings({ concurrency: 3, maxBatchProfiles: 2 }),
    );
    await expectEventually(() => expect(store.completed).toHaveLength(20));
    expect(peak).toBe(3);
  });

  it('releases a delivery waiting for a retry when stopped', async () => {
    const store = new MemoryStore();
    store.enqueue(1);
    const worker = start(
      store,
      async () => ({ kind: 'retry', status: 503, error: 'down', retryAfterMs: 60_000 }),
      fastSettings({ retry: { ...defaultDeliverySettings.retry, maxRetryAfterMs: 60_000 } }),
    );
    await expectEventually(() => expect(store.leased.size).toBe(1));
    await worker.stop();
    sut = undefined;
    expect([...store.leased.values()][0].leaseUntil).toBe(0);
  });
});
