import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '@weft/platform';

/**
 * An outbox row holds the documents one Kafka batch wrote for one dataflow (up to the connection's
 * `maxBatchProfiles`) as a JSON array, instead of one row per profile: enqueueing, claiming and completing then write
 * a row per request rather than per profile.
 */
export class GroupOutboxDocuments1767400000000 implements MigrationInterface {
  name = 'GroupOutboxDocuments1767400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`ALTER TABLE ${s}."outbox" ADD COLUMN "profile_ids" text[]`);
    await queryRunner.query(`UPDATE ${s}."outbox" SET "profile_ids" = ARRAY["profile_id"], "document" = '[' || "document" || ']'`);
    await queryRunner.query(`ALTER TABLE ${s}."outbox" ALTER COLUMN "profile_ids" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${s}."outbox" DROP COLUMN "profile_id"`);
    await queryRunner.query(`ALTER TABLE ${s}."outbox" RENAME COLUMN "document" TO "documents"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`ALTER TABLE ${s}."outbox" RENAME COLUMN "documents" TO "document"`);
    await queryRunner.query(`ALTER TABLE ${s}."outbox" ADD COLUMN "profile_id" text`);
    await queryRunner.query(`
      INSERT INTO ${s}."outbox" (connection_id, dataflow_id, profile_id, document, enqueued_at, delivery_id, attempts, lease_until)
      SELECT o.connection_id, o.dataflow_id, p.id, d.doc::text, o.enqueued_at, o.delivery_id, o.attempts, o.lease_until
      FROM ${s}."outbox" o
      CROSS JOIN LATERAL unnest(o.profile_ids) WITH ORDINALITY AS p(id, n)
      JOIN LATERAL json_array_elements(o.document::json) WITH ORDINALITY AS d(doc, n) ON d.n = p.n
      WHERE o.profile_id IS NULL`);
    await queryRunner.query(`DELETE FROM ${s}."outbox" WHERE "profile_id" IS NULL`);
    await queryRunner.query(`ALTER TABLE ${s}."outbox" ALTER COLUMN "profile_id" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${s}."outbox" DROP COLUMN "profile_ids"`);
  }
}
