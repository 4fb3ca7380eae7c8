import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { DeliverySettings } from '../delivery/connection-worker';

/** A configured endpoint of the connector's type. Credentials are stored sealed and never leave the service. */
@Entity({ name: 'connections' })
export class ConnectionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  endpoint!: string;

  /** Connector-specific, non-secret settings (auth mode, headers, token URL...). */
  @Column({ type: 'jsonb' })
  settings!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  delivery!: DeliverySettings;

  /** AES-256-GCM sealed JSON of the credentials, bound to the connection id. */
  @Column({ name: 'credentials_sealed', type: 'text', nullable: true })
  credentialsSealed!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
