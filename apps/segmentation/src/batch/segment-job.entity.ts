import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SegmentJobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type SegmentJobTrigger = 'manual' | 'schedule';

/** One batch evaluation of every segment over every eligible profile of the store. */
@Entity({ name: 'segment_jobs' })
export class SegmentJobEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  trigger!: SegmentJobTrigger;

  @Column({ type: 'text' })
  status!: SegmentJobStatus;

  @Column({ name: 'segment_count', type: 'integer', default: 0 })
  segmentCount!: number;

  /** Eligible profiles when the job started. */
  @Column({ name: 'total_profiles', type: 'integer', default: 0 })
  totalProfiles!: number;

  @Column({ name: 'processed_profiles', type: 'integer', default: 0 })
  processedProfiles!: number;

  @Column({ type: 'integer', default: 0 })
  realized!: number;

  @Column({ type: 'integer', default: 0 })
  exited!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
