import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { NotFoundError } from '@weft/platform';
import type { Repository } from 'typeorm';
import { ConnectionsService } from '../connections/connections.service';
import { DeliveryScheduler } from '../delivery/delivery-scheduler.service';
import { DeadLetterEntity } from './dead-letter.entity';

export interface DeadLetterView {
  /** The delivery id, sent again as the idempotency key on replay. */
  id: string;
  connectionId: string;
  dataflowIds: string[];
  profileIds: string[];
  profileCount: number;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  attemptLog: DeadLetterEntity['attemptLog'];
  failedAt: string;
}

@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);

  constructor(
    @InjectRepository(DeadLetterEntity) private readonly deadLetters: Repository<DeadLetterEntity>,
    private readonly connections: ConnectionsService,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async list(connectionId: string, limit = 100): Promise<{ items: DeadLetterView[]; total: number }> {
    await this.connections.find(connectionId);
    const [rows, total] = await this.deadLetters.findAndCount({
      where: { connectionId },
      order: { failedAt: 'DESC' },
      take: Math.min(1_000, Math.max(1, limit)),
    });
    return { items: rows.map(view), total };
  }

  async get(connectionId: string, id: string): Promise<DeadLetterView & { documents: unknown[] }> {
    const row = await this.find(connectionId, id);
    return { ...view(row), documents: row.items.map((i) => JSON.parse(i.document) as unknown) };
  }

  async replay(connectionId: string, id: string): Promise<{ replayed: number; profiles: number }> {
    await this.find(connectionId, id);
    const profiles = await this.scheduler.store.replay(connectionId, id);
    this.scheduler.checkExpired(connectionId);
    this.logger.log(`dead letter ${id} of connection ${connectionId} replayed (${profiles} profiles)`);
    return { replayed: profiles ? 1 : 0, profiles };
  }

  async replayAll(connectionId: string): Promise<{ replayed: number; profiles: number }> {
    await this.connections.find(connectionId);
    const ids = await this.deadLetters.find({ where: { connectionId }, select: { id: true } });
    let replayed = 0;
    let profiles = 0;
    for (const { id } of ids) {
      const n = await this.scheduler.store.replay(connectionId, id);
      if (n) replayed++;
      profiles += n;
    }
    this.scheduler.checkExpired(connectionId);
    this.logger.log(`${replayed} dead letters of connection ${connectionId} replayed`);
    return { replayed, profiles };
  }

  private async find(connectionId: string, id: string): Promise<DeadLetterEntity> {
    await this.connections.find(connectionId);
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await this.deadLetters.findOneBy({ id, connectionId }) : null;
    if (!row) throw new NotFoundError('dead letter', id);
    return row;
  }
}

function view(r: DeadLetterEntity): DeadLetterView {
  return {
    id: r.id,
    connectionId: r.connectionId,
    dataflowIds: r.dataflowIds,
    profileIds: r.items.map((i) => i.profileId),
    profileCount: r.profileCount,
    attempts: r.attempts,
    lastStatus: r.lastStatus,
    lastError: r.lastError,
    attemptLog: r.attemptLog,
    failedAt: r.failedAt.toISOString(),
  };
}
