import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type AttributeMergeType = 'timestampOrdered' | 'datasetPrecedence';
export type IdentityStitching = 'privateGraph' | 'none';

@Entity({ name: 'merge_policies' })
export class MergePolicyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { name: 'attribute_merge' })
  attributeMerge!: AttributeMergeType;

  /** Dataset precedence, highest first (datasetPrecedence only). */
  @Column('text', { name: 'dataset_order', array: true, default: () => "'{}'" })
  datasetOrder!: string[];

  @Column('text', { name: 'identity_stitching' })
  identityStitching!: IdentityStitching;

  @Column('boolean', { name: 'is_default', default: false })
  isDefault!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
