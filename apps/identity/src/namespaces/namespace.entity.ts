import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { NamespaceKind } from './standard-namespaces';

@Entity('namespaces')
export class NamespaceEntity {
  @PrimaryColumn('text')
  code!: string;

  @Column('text')
  name!: string;

  @Column('text')
  type!: NamespaceKind;

  @Column('text')
  description!: string;

  @Column('boolean')
  custom!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
