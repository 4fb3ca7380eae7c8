import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CONFIG } from '@weft/platform';
import { Counter, Histogram, register } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { DestinationKitConfig } from '../config';
import { ConnectionsService, redactSecrets, secretValues } from '../connections/connections.service';
import { DESTINATION_TRANSPORT, type DestinationTransport } from '../destination-kit.options';
import { ConnectionWorker } from './connection-worker';
import { profileCount, type DeliveryOutcome } from './delivery';
import { PgDeliveryStore } from './pg-delivery-store';

const SYNC_MS = 5_000;

function metric<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * One ConnectionWorker per connection, (re)started when a connection is created or changed and stopped when it
 * goes away; every instance of the service runs workers for every connection (the outbox's SKIP LOCKED claims keep
 * them apart). A periodic sync picks up changes made through other instances.
 */
@Injectable()
export class DeliveryScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryScheduler.name);
  readonly store: PgDeliveryStore;
  private readonly workers = new Map<string, { worker: ConnectionWorker; version: number }>();
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  /** Starts and stops of one connection run one after the other. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly deliveries = metric(
    'weft_destination_deliveries_total',
    () => new Counter({ name: 'weft_destination_deliveries_total', help: 'Delivery attempts by outcome', labelNames: ['connection', 'outcome'] }),
  );
  private readonly profiles = metric(
    'weft_destination_profiles_delivered_total',
    () => new Counter({ name: 'weft_destination_profiles_delivered_total', help: 'Profiles delivered', labelNames: ['connection'] }),
  );
  private readonly latency = metric(
    'weft_destination_delivery_latency_seconds',
    () =>
      new Histogram({
        name: 'weft_destination_delivery_latency_seconds',
        help: 'From enqueue to delivered, per profile',
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      }),
  );

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly connections: ConnectionsService,
    @Inject(DESTINATION_TRANSPORT) private readonly transport: DestinationTransport,
    @Inject(CONFIG) private readonly config: DestinationKitConfig,
  ) {
    this.store = new PgDeliveryStore(dataSource);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync().catch((err: unknown) => this.logger.warn(`sync failed: ${String(err)}`)), SYNC_MS);
    this.timer.unref();
    const prune = () => void this.store.pruneLog(this.config.DELIVERY_LOG_RETENTION_DAYS).catch(() => undefined);
    prune();
    this.pruneTimer = setInterval(prune, 3_600_000);
    this.pruneTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
    await Promise.all([...this.workers.keys()].map((id) => this.exclusive(id, () => this.stop(id))));
  }

  notify(connectionIds: readonly string[]): void {
    for (const id of connectionIds) this.workers.get(id)?.worker.notify();
  }

  /** After a replay: the worker takes over the released deliveries now. */
  checkExpired(connectionId: string): void {
    this.workers.get(connectionId)?.worker.checkExpired();
  }

  /** Starts, restarts or stops the worker of one connection after it changed. */
  refresh(connectionId: string): Promise<void> {
    return this.exclusive(connectionId, async () => {
      const entity = await this.connections.find(connectionId).catch(() => null);
      if (!entity) return this.stop(connectionId);
      await this.start(entity.id, entity.updatedAt.getTime());
    });
  }

  private exclusive(connectionId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(connectionId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.queues.set(connectionId, tail);
    void tail.then(() => {
      if (this.queues.get(connectionId) === tail) this.queues.delete(connectionId);
    });
    return next;
  }

  private async sync(): Promise<void> {
    if (this.shuttingDown) return;
    const all = await this.connections.all();
    const live = new Set(all.map((c) => c.id));
    for (const id of [...this.workers.keys()]) if (!live.has(id)) await this.exclusive(id, () => this.stop(id));
    for (const c of all) {
      if (this.workers.get(c.id)?.version !== c.updatedAt.getTime()) {
        await this.exclusive(c.id, () => this.start(c.id, c.updatedAt.getTime()));
      }
    }
  }

  private async start(connectionId: string, version: number): Promise<void> {
    if (this.shuttingDown) return;
    const current = this.workers.get(connectionId);
    if (current?.version === version) return;
    await this.stop(connectionId);
    const connection = this.connections.resolve(await this.connections.find(connectionId));
    const secrets = secretValues(connection.credentials);
    const clean = (outcome: DeliveryOutcome): DeliveryOutcome =>
      outcome.kind === 'delivered' ? outcome : { ...outcome, error: redactSecrets(outcome.error, secrets).slice(0, 2_000) };
    const worker = new ConnectionWorker(
      connectionId,
      connection.delivery,
      this.store,
      async (request) =>
        clean(
          await this.transport.send(connection, request).catch(
            (err: unknown): DeliveryOutcome => ({ kind: 'retry', error: err instanceof Error ? err.message : String(err) }),
          ),
        ),
      {
        onError: (err) => this.logger.warn(`connection ${connectionId}: ${redactSecrets(err instanceof Error ? err.message : String(err), secrets)}`),
        onOutcome: (delivery, outcome, attempt) => {
          this.deliveries.inc({ connection: connectionId, outcome: outcome.kind });
          if (outcome.kind === 'delivered') {
            this.profiles.inc({ connection: connectionId }, profileCount(delivery.items));
            const now = Date.now();
            for (const item of delivery.items) {
              const seconds = (now - item.enqueuedAt) / 1000;
              for (let i = 0; i < item.profileIds.length; i++) this.latency.observe(seconds);
            }
          } else {
            this.logger.warn(
              `delivery ${delivery.id} to connection ${connectionId}, attempt ${attempt}: ${outcome.kind} ` +
                `(${outcome.status ?? 'no status'}) ${outcome.error}`,
            );
          }
        },
      },
    );
    this.workers.set(connectionId, { worker, version });
    worker.start();
  }

  private async stop(connectionId: string): Promise<void> {
    const current = this.workers.get(connectionId);
    if (!current) return;
    this.workers.delete(connectionId);
    await current.worker.stop();
    await this.transport.release?.(connectionId);
  }
}
