import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Counters of one dataflow over one hour (a streaming dataflow's "run"). Bumped by upserts, read by the API. */
@Entity({ name: 'dataflow_runs' })
export class DataflowRunEntity {
  @PrimaryColumn({ name: 'dataflow_id', type: 'uuid' })
  dataflowId!: string;

  @PrimaryColumn({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ type: 'bigint' })
  received!: string;

  @Column({ type: 'bigint' })
  sent!: string;

  @Column({ name: 'excluded_total', type: 'bigint' })
  excluded!: string;

  @Column({ type: 'bigint' })
  failed!: string;

  @Column({ name: 'excluded_reasons', type: 'jsonb' })
  excludedReasons!: Record<string, number>;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
