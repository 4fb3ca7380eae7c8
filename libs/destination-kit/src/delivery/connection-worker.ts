import { defaultDeliveryRetryPolicy, retryDelay, type DeliveryRetryPolicy } from './backoff';
import { joinJsonArrays, profileCount, type AttemptRecord, type ClaimedDelivery, type DeliveryOutcome, type DeliveryRequest, type DeliveryStore } from './delivery';
import { TokenBucket } from './token-bucket';

export interface DeliverySettings {
  /** Profiles per request at most. */
  maxBatchProfiles: number;
  /** Longest an item waits for its batch to fill. */
  maxBatchWaitMs: number;
  /** Requests in flight at once for the connection. */
  concurrency: number;
  /** Requests per second at most (0 = unlimited). */
  rateLimitPerSecond: number;
  /** Time limit of one request. */
  timeoutMs: number;
  retry: DeliveryRetryPolicy;
}

export const defaultDeliverySettings: DeliverySettings = {
  maxBatchProfiles: 100,
  maxBatchWaitMs: 200,
  concurrency: 4,
  rateLimitPerSecond: 0,
  timeoutMs: 2_000,
  retry: defaultDeliveryRetryPolicy,
};

export interface WorkerHooks {
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Poll interval when nothing waits (other instances may enqueue). */
  idlePollMs?: number;
  /** How often a slot looks for deliveries whose lease ran out. */
  expiredCheckMs?: number;
  onError?: (err: unknown) => void;
  onOutcome?: (delivery: ClaimedDelivery, outcome: DeliveryOutcome, attempt: number) => void;
}

/**
 * Abortable timers that end early when woken: `wakeOne()` ends one wait (or, when nobody waits, the next one, so a
 * wake-up is never lost between a claim and the wait after it), `wakeAll()` ends every wait.
 */
class Waker {
  private waiting = new Set<() => void>();
  private pending = false;

  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener('abort', done);
      this.waiting.add(done);
    });
  }

  wakeOne(): void {
    const [first] = this.waiting;
    if (first) first();
    else this.pending = true;
  }

  wakeAll(): void {
    for (const done of [...this.waiting]) done();
  }
}

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done);
  });

/**
 * Drains one connection's outbox: `concurrency` slots each claim a batch, send it (rate-limited), retry with
 * backoff and jitter (honouring Retry-After), and complete it or move it to the dead-letter store. Slots of one
 * connection never wait on another connection, so a slow endpoint only slows itself.
 *
 * Idle slots are woken one at a time: new work wakes one slot, and a slot that claimed a batch wakes the next (more
 * may be waiting), so a trickle of small Kafka batches costs one claim query each rather than one per slot. Only one
 * slot at a time sleeps until a partial batch is due; the others sleep until woken.
 */
export class ConnectionWorker {
  private readonly controller = new AbortController();
  private readonly waker = new Waker();
  private readonly bucket: TokenBucket | null;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private slots: Promise<void>[] = [];
  private expiredDueAt = 0;
  /** A slot is sleeping until the oldest waiting item is due. */
  private dueTimerSet = false;

  constructor(
    readonly connectionId: string,
    private readonly settings: DeliverySettings,
    private readonly store: DeliveryStore,
    private readonly send: (request: DeliveryRequest) => Promise<DeliveryOutcome>,
    private readonly hooks: WorkerHooks = {},
  ) {
    this.bucket = settings.rateLimitPerSecond > 0 ? new TokenBucket(settings.rateLimitPerSecond) : null;
    this.sleep = hooks.sleep ?? abortableSleep;
    this.random = hooks.random ?? Math.random;
    this.now = hooks.now ?? Date.now;
    const longestPause = Math.max(settings.retry.maxDelayMs, settings.retry.maxRetryAfterMs);
    this.leaseMs = settings.timeoutMs + longestPause + 30_000;
  }

  start(): void {
    if (this.slots.length) return;
    this.slots = Array.from({ length: Math.max(1, this.settings.concurrency) }, () => this.runSlot());
  }

  /** More items were enqueued: a sleeping slot looks again. */
  notify(): void {
    this.waker.wakeOne();
  }

  /** Stops claiming; in-flight requests finish, deliveries waiting for a retry are released. */
  async stop(): Promise<void> {
    this.controller.abort();
    this.waker.wakeAll();
    await Promise.all(this.slots);
  }

  private get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  private async runSlot(): Promise<void> {
    const signal = this.controller.signal;
    const expiredCheckMs = this.hooks.expiredCheckMs ?? 5_000;
    while (!this.stopped) {
      try {
        let delivery: ClaimedDelivery | null = null;
        if (this.now() >= this.expiredDueAt) {
          this.expiredDueAt = this.now() + expiredCheckMs;
          delivery = await this.store.claimExpired(this.connectionId, this.leaseMs);
        }
        if (!delivery) {
          const claim = await this.store.claimBatch(
            this.connectionId,
            this.settings.maxBatchProfiles,
            this.settings.maxBatchWaitMs,
            this.leaseMs,
          );
          if ('waitMs' in claim) {
            const untilExpiredCheck = Math.max(1, this.expiredDueAt - this.now());
            const idle = this.hooks.idlePollMs ?? 1_000;
            if (claim.waitMs !== null && !this.dueTimerSet) {
              this.dueTimerSet = true;
              try {
                await this.waker.wait(Math.min(claim.waitMs, untilExpiredCheck), signal);
              } finally {
                this.dueTimerSet = false;
              }
            } else {
              await this.waker.wait(Math.min(idle, untilExpiredCheck), signal);
            }
            continue;
          }
          delivery = claim.delivery;
        }
        this.waker.wakeOne();
        await this.deliver(delivery);
      } catch (err) {
        this.hooks.onError?.(err);
        await this.sleep(this.hooks.idlePollMs ?? 1_000, signal);
      }
    }
  }

  /** Looks for deliveries whose lease ran out right away (after a replay). */
  checkExpired(): void {
    this.expiredDueAt = 0;
    this.waker.wakeOne();
  }

  /**
   * Records a final outcome, trying a few times: if it still fails, the delivery stays leased and is sent again
   * (same idempotency key) when the lease runs out.
   */
  private async persist(write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        if (attempt >= 3) throw err;
        this.hooks.onError?.(err);
        await this.sleep(50 * attempt, new AbortController().signal);
      }
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { retry } = this.settings;
    const log: AttemptRecord[] = [];
    const body = joinJsonArrays(delivery.items.map((i) => i.documents));
    const profiles = profileCount(delivery.items);
    let attempts = delivery.attempts;
    for (;;) {
      if (this.stopped) {
        await this.store.release(delivery.id);
        return;
      }
      if (this.bucket) await this.sleep(this.bucket.reserve(), this.controller.signal);
      attempts++;
      if (attempts > 1) await this.store.recordAttempt(delivery.id, attempts, this.leaseMs);
      const started = this.now();
      const outcome = await this.send({ deliveryId: delivery.id, body, profiles, attempt: attempts }).catch(
        (err: unknown): DeliveryOutcome => ({ kind: 'retry', error: err instanceof Error ? err.message : String(err) }),
      );
      log.push({
        at: new Date(started).toISOString(),
        outcome: outcome.kind,
        durationMs: this.now() - started,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...(outcome.kind !== 'delivered' ? { error: outcome.error } : {}),
      });
      this.hooks.onOutcome?.(delivery, outcome, attempts);
      const report = {
        attempts,
        log,
        status: outcome.status,
        error: outcome.kind === 'delivered' ? undefined : outcome.error,
      };
      if (outcome.kind === 'delivered') {
        await this.persist(() => this.store.complete(delivery, report));
        return;
      }
      if (outcome.kind === 'failed' || attempts >= retry.maxAttempts) {
        await this.persist(() => this.store.deadLetter(delivery, report));
        return;
      }
      const backoff = retryDelay(retry, attempts, this.random);
      const delay = outcome.retryAfterMs !== undefined ? Math.min(outcome.retryAfterMs, retry.maxRetryAfterMs) : backoff;
      await this.sleep(delay, this.controller.signal);
    }
  }
}
