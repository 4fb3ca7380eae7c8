import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '@weft/platform';

/**
 * Known identities are seen again all the time, and their last-seen and link times are refreshed in place. With room
 * left on each page, such an update (of columns no index holds) writes the new row version on the same page and
 * touches no index (a HOT update) instead of adding an entry to every index of the table. Pages written from now on
 * keep the room; existing ones get it as they are rewritten.
 */
export class LeaveRoomForTimeRefreshes1767398400000 implements MigrationInterface {
  name = 'LeaveRoomForTimeRefreshes1767398400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`ALTER TABLE ${s}."identities" SET (fillfactor = 85)`);
    await queryRunner.query(`ALTER TABLE ${s}."links" SET (fillfactor = 85)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`ALTER TABLE ${s}."identities" RESET (fillfactor)`);
    await queryRunner.query(`ALTER TABLE ${s}."links" RESET (fillfactor)`);
  }
}
