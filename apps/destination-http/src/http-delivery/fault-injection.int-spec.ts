import { expectEventually } from '@weft/testing';
import { RunningDestinationHttp } from '../../test/destination-http-app';
import { membership, newProfileId, newSegmentId } from '../../test/envelopes';
import { HttpSink, type SinkAction, type SinkRequest } from '../../test/http-sink';

/** Fast retries so that a whole budget fits in a test; the shape (backoff, jitter, Retry-After) is the real one. */
const delivery = {
  maxBatchWaitMs: 20,
  maxBatchProfiles: 10,
  timeoutMs: 400,
  retry: { maxAttempts: 6, initialDelayMs: 50, maxDelayMs: 400, maxRetryAfterMs: 5_000 },
};


jest.setTimeout(30_000);

describe('HTTP destination under endpoint faults', () => {
  let sut: RunningDestinationHttp;
  const sinks: HttpSink[] = [];

  async function endpoint(behaviour?: (r: SinkRequest) => SinkAction): Promise<{ sink: HttpSink; connectionId: string; segmentId: string; dataflowId: string }> {
    const sink = await HttpSink.start();
    sinks.push(sink);
    if (behaviour) sink.behaviour = behaviour;
    const connectionId = await sut.connection({ endpoint: sink.url, delivery });
    const segmentId = newSegmentId();
    const dataflowId = await sut.dataflow({ connectionId, segmentIds: [segmentId] });
    return { sink, connectionId, segmentId, dataflowId };
  }

  const realize = (segmentId: string, n: number) =>
    sut.publishMemberships(Array.from({ length: n }, () => membership(newProfileId(), segmentId, 'realized')));

  beforeAll(async () => {
    sut = await RunningDestinationHttp.start();
    const warm = await endpoint();
    await realize(warm.segmentId, 1);
    await expectEventually(() => expect(warm.sink.forSegment(warm.segmentId)).toHaveLength(1), { timeoutMs: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
    await Promise.all(sinks.map((s) => s.close()));
  });

  it('retries 500s, 429 with Retry-After, timeouts and connection resets, and delivers each key exactly once', async () => {
    // Every request key meets each fault once, in this order, before it is accepted.
    const faults: SinkAction[] = [{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }, 'hang', 'reset'];
    const { sink, segmentId, dataflowId } = await endpoint((r) => faults[r.attempt - 1] ?? { status: 200 });
    await realize(segmentId, 40);

    await expectEventually(() => expect(sink.forSegment(segmentId)).toHaveLength(40), { timeoutMs: 30_000 });
    const profiles = sink.forSegment(segmentId).map((d) => d.document.identityMap.ecid[0].id);
    expect(new Set(profiles).size).toBe(40);
    const keys = [...new Set(sink.forSegment(segmentId).map((d) => d.key))];
    for (const key of keys) {
      expect(sink.accepted.get(key)?.times).toBe(1);
      const attempts = sink.requests.filter((r) => r.key === key);
      expect(attempts.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
      // The 429's Retry-After (1 s) was honoured before the next try.
      expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(950);
    }

    const { body } = await sut.api('GET', `/v1/dataflows/${dataflowId}/deliveries`);
    expect(body.items).toHaveLength(keys.length);
    for (const item of body.items) {
      expect(item).toMatchObject({ outcome: 'delivered', attempts: 5, status: 200 });
      expect(item.attemptLog.map((a: { status?: number; outcome: string }) => a.status ?? a.outcome)).toEqual([500, 429, 'retry', 'retry', 200]);
    }
  }, 60_000);

  it('does not retry other 4xx: the delivery goes to the dead-letter store at once', async () => {
    const { sink, connectionId, segmentId } = await endpoint(() => ({ status: 400, body: '{"error":"bad payload"}' }));
    await realize(segmentId, 1);
    const dead = await expectEventually(async () => {
      const { body } = await sut.api('GET', `/v1/connections/${connectionId}/dead-letters`);
      expect(body.items).toHaveLength(1);
      return body.items[0];
    });
    expect(dead).toMatchObject({ attempts: 1, lastStatus: 400, profileCount: 1 });
    expect(dead.lastError).toContain('bad payload');
    expect(sink.requests).toHaveLength(1);
  });

  it('fills the dead-letter store of a permanently failing endpoint while a healthy dataflow keeps its latency, and replays it', async () => {
    let failing = true;
    const broken = await endpoint(() => (failing ? 'hang' : { status: 200 }));
    const healthy = await endpoint();
    await realize(broken.segmentId, 30);

    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const segmentCount = healthy.sink.forSegment(healthy.segmentId).length;
      const published = Date.now();
      await realize(healthy.segmentId, 1);
      const arrived = await expectEventually(() => {
        const docs = healthy.sink.forSegment(healthy.segmentId);
        expect(docs).toHaveLength(segmentCount + 1);
        return docs[docs.length - 1].at;
      });
      latencies.push(arrived - published);
    }
    console.log(`healthy dataflow latency while another endpoint hangs: ${latencies.join(', ')} ms`);
    expect(Math.max(...latencies)).toBeLessThan(1_000);

    const dead = await expectEventually(
      async () => {
        const { body } = await sut.api('GET', `/v1/connections/${broken.connectionId}/dead-letters?limit=100`);
        expect(body.items.reduce((n: number, d: { profileCount: number }) => n + d.profileCount, 0)).toBe(30);
        return body.items as { id: string; attempts: number; lastError: string }[];
      },
      { timeoutMs: 45_000 },
    );
    expect(dead.every((d) => d.attempts === delivery.retry.maxAttempts)).toBe(true);
    expect(dead[0].lastError).toMatch(/timeout/i);
    const run = await sut.api('GET', `/v1/dataflows/${broken.dataflowId}/runs`);
    expect(run.body.items[0]).toMatchObject({ profilesReceived: 30, profilesFailed: 30, profilesSent: 0 });

    // The endpoint recovers; replaying sends the same idempotency keys again, and they are accepted.
    failing = false;
    const replay = await sut.api('POST', `/v1/connections/${broken.connectionId}/dead-letters/replay`);
    expect(replay.body).toEqual({ replayed: dead.length, profiles: 30 });
    await expectEventually(() => expect(broken.sink.forSegment(broken.segmentId)).toHaveLength(30), { timeoutMs: 20_000 });
    expect(new Set(broken.sink.accepted.keys())).toEqual(new Set(dead.map((d) => d.id)));
    const after = await sut.api('GET', `/v1/connections/${broken.connectionId}/dead-letters`);
    expect(after.body.total).toBe(0);
  }, 90_000);
});
