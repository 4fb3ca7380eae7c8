import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '@weft/platform';

export class CreateRegistryTables1767225600000 implements MigrationInterface {
  name = 'CreateRegistryTables1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`
      CREATE TABLE ${s}."schemas" (
        "id" serial PRIMARY KEY,
        "fingerprint" char(64) NOT NULL CONSTRAINT "schemas_fingerprint_key" UNIQUE,
        "schema_type" text NOT NULL DEFAULT 'AVRO',
        "schema" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}."subject_versions" (
        "subject" text NOT NULL CHECK ("subject" <> ''),
        "version" integer NOT NULL CHECK ("version" > 0),
        "schema_id" integer NOT NULL REFERENCES ${s}."schemas" ("id"),
        "deleted" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("subject", "version")
      )`);
    // A schema appears at most once among a subject's live versions; re-registering it after a soft delete adds a version.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "subject_versions_live_schema_key" ON ${s}."subject_versions" ("subject", "schema_id") WHERE NOT "deleted"`,
    );
    await queryRunner.query(`CREATE INDEX "subject_versions_schema_id_idx" ON ${s}."subject_versions" ("schema_id")`);
    await queryRunner.query(`
      CREATE TABLE ${s}."compatibility_configs" (
        "subject" text PRIMARY KEY,
        "compatibility" text NOT NULL CHECK ("compatibility" IN
          ('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`DROP TABLE ${s}."compatibility_configs"`);
    await queryRunner.query(`DROP TABLE ${s}."subject_versions"`);
    await queryRunner.query(`DROP TABLE ${s}."schemas"`);
  }
}
