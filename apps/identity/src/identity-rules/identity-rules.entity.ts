import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The single row of linking rules (id 1). */
@Entity('identity_rules')
export class IdentityRulesEntity {
  @PrimaryColumn('smallint')
  id!: number;

  @Column('text', { array: true })
  priority!: string[];

  @Column('text', { array: true })
  unique!: string[];

  /** Grows with every change of the rules or of the namespaces. */
  @Column('bigint')
  version!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
