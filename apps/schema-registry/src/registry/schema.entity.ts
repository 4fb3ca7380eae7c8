import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A schema with its global id. Rows are never deleted: messages already in Kafka carry these ids. */
@Entity({ name: 'schemas' })
export class SchemaEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  /** SHA-256 of the schema's canonical form; unique, so one schema text has one id across all subjects. */
  @Column({ type: 'char', length: 64 })
  fingerprint!: string;

  @Column({ name: 'schema_type', type: 'text', default: 'AVRO' })
  schemaType!: string;

  @Column({ type: 'text' })
  schema!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
