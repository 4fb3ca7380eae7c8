import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { EvaluationMethod } from '@weft/pql';

/** A segment definition: a PQL expression read as "does this profile qualify?". */
@Entity({ name: 'segments' })
export class SegmentEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text' })
  expression!: string;

  /** Only profiles merged with this policy qualify; null: the policy of the profile feed. */
  @Column({ name: 'merge_policy_id', type: 'text', nullable: true })
  mergePolicyId!: string | null;

  /** Assigned from the expression (and the segments it references) on every save. */
  @Column({ name: 'evaluation_method', type: 'text' })
  evaluationMethod!: EvaluationMethod;

  @Column({ name: 'time_bound', type: 'boolean', default: false })
  timeBound!: boolean;

  /** Segment ids the expression references through inSegment(...). */
  @Column({ name: 'depends_on', type: 'text', array: true, default: () => `'{}'` })
  dependsOn!: string[];

  @VersionColumn({ name: 'revision' })
  revision!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
