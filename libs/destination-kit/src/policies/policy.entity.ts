import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { MarketingAction } from '../governance/policy';

/** A data-usage policy: labels that forbid a marketing action. Core policies ship disabled. */
@Entity({ name: 'policies' })
export class PolicyEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'marketing_action', type: 'text' })
  marketingAction!: MarketingAction;

  @Column({ type: 'text' })
  operator!: 'anyOf' | 'allOf';

  @Column({ type: 'text', array: true })
  labels!: string[];

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'boolean' })
  core!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
