import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ConsentChannel } from '../consent/consent';
import type { MarketingAction } from '../governance/policy';
import type { MappingEntry } from '../mapping/attribute-mapping';

export type DataflowSchedule =
  | { mode: 'streaming' }
  | { mode: 'batch'; frequencyHours: 3 | 6 | 8 | 12 | 24; startAt?: string; endAt?: string };

/** Audiences of a connection, with the attributes to send and what the data will be used for. */
@Entity({ name: 'dataflows' })
export class DataflowEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'connection_id', type: 'uuid' })
  connectionId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'segment_ids', type: 'text', array: true })
  segmentIds!: string[];

  @Column({ type: 'jsonb' })
  mapping!: MappingEntry[];

  @Column({ name: 'identity_namespaces', type: 'text', array: true })
  identityNamespaces!: string[];

  @Column({ type: 'jsonb' })
  schedule!: DataflowSchedule;

  @Column({ name: 'marketing_actions', type: 'text', array: true })
  marketingActions!: MarketingAction[];

  @Column({ name: 'consent_channel', type: 'text' })
  consentChannel!: ConsentChannel;

  @Column({ name: 'send_attribute_changes', type: 'boolean' })
  sendAttributeChanges!: boolean;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
