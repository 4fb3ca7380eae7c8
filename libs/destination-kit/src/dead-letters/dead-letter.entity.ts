import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AttemptRecord, DeadLetterItem } from '../delivery/delivery';

/** A delivery that used up its retry budget or was refused for good; replay sends it again with the same key. */
@Entity({ name: 'dead_letters' })
export class DeadLetterEntity {
  /** The delivery id, which is also its idempotency key. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'connection_id', type: 'uuid' })
  connectionId!: string;

  @Column({ name: 'dataflow_ids', type: 'uuid', array: true })
  dataflowIds!: string[];

  @Column({ type: 'jsonb' })
  items!: DeadLetterItem[];

  @Column({ name: 'profile_count', type: 'integer' })
  profileCount!: number;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'attempt_log', type: 'jsonb' })
  attemptLog!: AttemptRecord[];

  @Column({ name: 'failed_at', type: 'timestamptz' })
  failedAt!: Date;
}
