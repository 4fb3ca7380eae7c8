import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'datasets' })
export class DatasetEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'schema_id' }) schemaId!: string;
  @Column('boolean', { name: 'profile_enabled' }) profileEnabled!: boolean;
  @Column('jsonb') labels!: string[];
  /** Days experience events are kept downstream; null keeps them. */
  @Column('integer', { name: 'retention_days', nullable: true }) retentionDays!: number | null;
  /** ECIDs must be 38 digits; off only for data carrying legacy ECIDs. */
  @Column('boolean', { name: 'validate_ecid' }) validateEcid!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
