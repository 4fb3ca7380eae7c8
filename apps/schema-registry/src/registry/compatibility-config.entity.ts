import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CompatibilityLevel } from '../avro/compatibility';

/** The empty subject holds the global level (subject names are never empty). */
export const GLOBAL_CONFIG_SUBJECT = '';

/** A compatibility level set for one subject, or globally. */
@Entity({ name: 'compatibility_configs' })
export class CompatibilityConfigEntity {
  @PrimaryColumn({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  compatibility!: CompatibilityLevel;
}
