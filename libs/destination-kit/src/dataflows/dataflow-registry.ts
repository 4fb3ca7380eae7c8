import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { quotedSchema } from '../database/schema';
import { defaultDeliverySettings } from '../delivery/connection-worker';
import { DESTINATION_KIT_OPTIONS, type DestinationKitOptions } from '../destination-kit.options';
import { DataflowEntity } from './dataflow.entity';

const REFRESH_MS = 5_000;

/**
 * The enabled streaming dataflows in memory, indexed by audience, so the Kafka handlers route without a query per
 * message, and each connection's `maxBatchProfiles` (the most documents an outbox row holds). Reloaded after every
 * change made through this instance and every few seconds (for changes made by other instances).
 */
@Injectable()
export class DataflowRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private bySegment = new Map<string, DataflowEntity[]>();
  private attributeFlows: DataflowEntity[] = [];
  private batchLimits = new Map<string, number>();
  private loading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DESTINATION_KIT_OPTIONS) private readonly options: DestinationKitOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async ready(): Promise<void> {
    if (!this.loading) await this.reload();
    else await this.loading;
  }

  reload(): Promise<void> {
    const run = this.load();
    this.loading = run;
    return run;
  }

  forSegment(segmentId: string): readonly DataflowEntity[] {
    return this.bySegment.get(segmentId) ?? [];
  }

  /** Profiles per request at most for a connection. */
  maxBatchProfiles(connectionId: string): number {
    return this.batchLimits.get(connectionId) ?? defaultDeliverySettings.maxBatchProfiles;
  }

  /** Dataflows that also send attribute changes of current members. */
  withAttributeChanges(): readonly DataflowEntity[] {
    return this.attributeFlows;
  }

  private async load(): Promise<void> {
    const rows = await this.dataSource
      .getRepository(DataflowEntity)
      .createQueryBuilder('d')
      .innerJoin('connections', 'c', 'c.id = d.connection_id')
      .where('c.type = :type AND d.enabled', { type: this.options.type })
      .getMany();
    const limits: { id: string; max: number | null }[] = await this.dataSource.query(
      `SELECT id, (delivery ->> 'maxBatchProfiles')::int AS max FROM ${quotedSchema(this.dataSource)}."connections" WHERE type = $1`,
      [this.options.type],
    );
    const streaming = rows.filter((d) => d.schedule.mode === 'streaming');
    const bySegment = new Map<string, DataflowEntity[]>();
    for (const d of streaming) for (const s of d.segmentIds) bySegment.set(s, [...(bySegment.get(s) ?? []), d]);
    this.bySegment = bySegment;
    this.attributeFlows = streaming.filter((d) => d.sendAttributeChanges);
    this.batchLimits = new Map(limits.filter((l) => l.max !== null && l.max > 0).map((l) => [l.id, l.max as number]));
  }
}
