import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { FieldSpec, XdmClass } from './field-spec';

@Entity({ name: 'xdm_schemas' })
export class XdmSchemaEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') title!: string;
  @Column('text') class!: XdmClass;
  @Column('jsonb', { name: 'field_groups' }) fieldGroups!: string[];
  @Column('jsonb', { name: 'custom_fields' }) customFields!: Record<string, FieldSpec>;
  @Column('boolean') strict!: boolean;
  @Column('integer') version!: number;
  @Column('text', { name: 'avro_subject' }) avroSubject!: string;
  @Column('integer', { name: 'avro_schema_id', nullable: true }) avroSchemaId!: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ name: 'field_groups' })
export class FieldGroupEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') title!: string;
  @Column('text') description!: string;
  @Column('jsonb') classes!: XdmClass[];
  @Column('jsonb') properties!: Record<string, FieldSpec>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
