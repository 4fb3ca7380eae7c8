import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { NotFoundError } from '@weft/platform';
import { Between, type Repository } from 'typeorm';
import { DataflowsService } from '../dataflows/dataflows.service';
import { DataflowRunEntity } from './dataflow-run.entity';
import { DeliveryLogEntity } from './delivery-log.entity';

const HOUR = 3_600_000;

export interface RunView {
  /** The run's start (a streaming dataflow's runs are hourly windows). */
  id: string;
  dataflowId: string;
  startedAt: string;
  endsAt: string;
  profilesReceived: number;
  profilesSent: number;
  profilesExcluded: number;
  excludedReasons: Record<string, number>;
  profilesFailed: number;
  updatedAt: string;
}

export interface DeliveryLogView {
  deliveryId: string;
  outcome: 'delivered' | 'dead_lettered';
  /** Profiles of this dataflow in the delivery. */
  profiles: number;
  status: number | null;
  error: string | null;
  attempts: number;
  attemptLog: DeliveryLogEntity['attemptLog'];
  firstEnqueuedAt: string;
  finishedAt: string;
}

@Injectable()
export class RunsService {
  constructor(
    @InjectRepository(DataflowRunEntity) private readonly runs: Repository<DataflowRunEntity>,
    @InjectRepository(DeliveryLogEntity) private readonly log: Repository<DeliveryLogEntity>,
    private readonly dataflows: DataflowsService,
  ) {}

  async list(dataflowId: string, limit = 48): Promise<RunView[]> {
    await this.dataflows.find(dataflowId);
    const rows = await this.runs.find({ where: { dataflowId }, order: { windowStart: 'DESC' }, take: limit });
    return rows.map(runView);
  }

  async get(dataflowId: string, runId: string, limit = 100): Promise<RunView & { deliveries: DeliveryLogView[] }> {
    await this.dataflows.find(dataflowId);
    const start = new Date(runId);
    const run = Number.isNaN(start.getTime()) ? null : await this.runs.findOneBy({ dataflowId, windowStart: start });
    if (!run) throw new NotFoundError('run', runId);
    return { ...runView(run), deliveries: await this.deliveries(dataflowId, limit, start) };
  }

  /** The delivery log of a dataflow, newest first (optionally within one run). */
  async deliveries(dataflowId: string, limit = 100, runStart?: Date): Promise<DeliveryLogView[]> {
    await this.dataflows.find(dataflowId);
    const query = this.log
      .createQueryBuilder('l')
      .where(':id = ANY(l.dataflow_ids)', { id: dataflowId })
      .orderBy('l.finished_at', 'DESC')
      .take(Math.min(1_000, Math.max(1, limit)));
    if (runStart) query.andWhere({ finishedAt: Between(runStart, new Date(runStart.getTime() + HOUR - 1)) });
    const rows = await query.getMany();
    return rows.map((l) => ({
      deliveryId: l.deliveryId,
      outcome: l.outcome,
      profiles: Number(l.profiles[dataflowId] ?? 0),
      status: l.status,
      error: l.error,
      attempts: l.attempts,
      attemptLog: l.attemptLog,
      firstEnqueuedAt: l.firstEnqueuedAt.toISOString(),
      finishedAt: l.finishedAt.toISOString(),
    }));
  }
}

function runView(r: DataflowRunEntity): RunView {
  return {
    id: r.windowStart.toISOString(),
    dataflowId: r.dataflowId,
    startedAt: r.windowStart.toISOString(),
    endsAt: new Date(r.windowStart.getTime() + HOUR).toISOString(),
    profilesReceived: Number(r.received),
    profilesSent: Number(r.sent),
    profilesExcluded: Number(r.excluded),
    excludedReasons: Object.fromEntries(Object.entries(r.excludedReasons).map(([k, v]) => [k, Number(v)])),
    profilesFailed: Number(r.failed),
    updatedAt: r.updatedAt.toISOString(),
  };
}
