import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as PostgresConnectionOptions).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}

/**
 * A materialized profile is rewritten each time it changes (every new event raises its count and version). With
 * room left on each page the new row version stays on the same page and no index entry is added (a HOT update: the
 * table's only index, the primary key, never changes). Pages written from now on keep the room.
 */
export class LeaveRoomForProfileUpdates1767484800000 implements MigrationInterface {
  name = 'LeaveRoomForProfileUpdates1767484800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}.profiles SET (fillfactor = 70)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${schemaOf(queryRunner)}.profiles RESET (fillfactor)`);
  }
}
