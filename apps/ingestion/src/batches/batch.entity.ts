import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Mapping } from './mapping';
import type { BatchFormat } from './row-readers';

export type BatchStatus = 'created' | 'queued' | 'processing' | 'completed' | 'failed';

const bigint = { to: (v: number) => v, from: (v: string | null) => (v === null ? 0 : Number(v)) };

@Entity({ name: 'batches' })
export class BatchEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'dataset_id' }) datasetId!: string;
  @Column('text') format!: BatchFormat;
  @Column('jsonb', { nullable: true }) mapping!: Mapping | null;
  @Column('double precision', { name: 'failure_threshold' }) failureThreshold!: number;
  @Column('text') status!: BatchStatus;
  @Column('jsonb') files!: { name: string; bytes: number }[];
  @Column('bigint', { name: 'rows_read', transformer: bigint }) rowsRead!: number;
  @Column('bigint', { name: 'rows_ingested', transformer: bigint }) rowsIngested!: number;
  @Column('bigint', { name: 'rows_failed', transformer: bigint }) rowsFailed!: number;
  /** Rows of files before `checkpointFile`, and rows up to `checkpointRow` of that file, are done. */
  @Column('integer', { name: 'checkpoint_file' }) checkpointFile!: number;
  @Column('bigint', { name: 'checkpoint_row', transformer: bigint }) checkpointRow!: number;
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil!: Date | null;
  @Column('text', { nullable: true }) error!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt!: Date | null;
}
