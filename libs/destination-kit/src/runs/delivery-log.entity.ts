import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AttemptRecord } from '../delivery/delivery';

/** One finished delivery (request with its retries): delivered or dead-lettered. */
@Entity({ name: 'delivery_log' })
export class DeliveryLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'delivery_id', type: 'uuid' })
  deliveryId!: string;

  @Column({ name: 'connection_id', type: 'uuid' })
  connectionId!: string;

  @Column({ name: 'dataflow_ids', type: 'uuid', array: true })
  dataflowIds!: string[];

  /** Profiles per dataflow. */
  @Column({ type: 'jsonb' })
  profiles!: Record<string, number>;

  @Column({ type: 'text' })
  outcome!: 'delivered' | 'dead_lettered';

  @Column({ type: 'integer', nullable: true })
  status!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'attempt_log', type: 'jsonb' })
  attemptLog!: AttemptRecord[];

  @Column({ name: 'first_enqueued_at', type: 'timestamptz' })
  firstEnqueuedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz' })
  finishedAt!: Date;
}
