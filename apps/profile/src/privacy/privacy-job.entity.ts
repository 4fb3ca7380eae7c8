import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type PrivacyAction = 'access' | 'delete';
/** queued → processing → completed; `pending` while a step waits to be retried; `failed` when it gave up. */
export type PrivacyJobStatus = 'queued' | 'processing' | 'pending' | 'completed' | 'failed';
export type PrivacyStepStatus = 'completed' | 'pending' | 'failed' | 'skipped';

export interface PrivacyStep {
  name: 'profileStore' | 'changeFeed' | 'identityGraph';
  status: PrivacyStepStatus;
  attempts?: number;
  detail?: Record<string, unknown>;
  error?: string;
  at: string;
}

@Entity({ name: 'privacy_jobs' })
export class PrivacyJobEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  action!: PrivacyAction;

  @Column('jsonb')
  identities!: { namespace: string; id: string }[];

  @Column('text')
  status!: PrivacyJobStatus;

  @Column('jsonb', { default: () => "'[]'" })
  steps!: PrivacyStep[];

  /** access: everything held about the person. */
  @Column('jsonb', { nullable: true })
  result!: Record<string, unknown> | null;

  /** Proof of what was done, recorded when the job completes. */
  @Column('jsonb', { nullable: true })
  receipt!: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt!: Date | null;
}
