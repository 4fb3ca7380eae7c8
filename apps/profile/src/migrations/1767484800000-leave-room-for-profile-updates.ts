import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '@weft/platform';

/**
 * A materialized profile is rewritten each time it changes (every new event raises its count and version). With
 * room left on each page the new row version stays on the same page and no index entry is added (a HOT update: the
 * table's only index, the primary key, never changes). Pages written from now on keep the room.
 */
export class LeaveRoomForProfileUpdates1767484800000 implements MigrationInterface {
  name = 'LeaveRoomForProfileUpdates1767484800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${quotedSchema(queryRunner.connection)}.profiles SET (fillfactor = 70)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${quotedSchema(queryRunner.connection)}.profiles RESET (fillfactor)`);
  }
}
