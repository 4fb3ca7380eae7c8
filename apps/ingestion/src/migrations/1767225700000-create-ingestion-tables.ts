import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '@weft/platform';

export class CreateIngestionTables1767225700000 implements MigrationInterface {
  name = 'CreateIngestionTables1767225700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`
      CREATE TABLE ${s}."field_groups" (
        "id" text PRIMARY KEY,
        "title" text NOT NULL,
        "description" text NOT NULL DEFAULT '',
        "classes" jsonb NOT NULL,
        "properties" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}."xdm_schemas" (
        "id" text PRIMARY KEY,
        "title" text NOT NULL,
        "class" text NOT NULL CHECK ("class" IN ('profile', 'experienceevent')),
        "field_groups" jsonb NOT NULL,
        "custom_fields" jsonb NOT NULL,
        "strict" boolean NOT NULL,
        "version" integer NOT NULL,
        "avro_subject" text NOT NULL,
        "avro_schema_id" integer,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}."datasets" (
        "id" text PRIMARY KEY,
        "name" text NOT NULL,
        "schema_id" text NOT NULL REFERENCES ${s}."xdm_schemas" ("id"),
        "profile_enabled" boolean NOT NULL DEFAULT false,
        "labels" jsonb NOT NULL DEFAULT '[]',
        "retention_days" integer,
        "validate_ecid" boolean NOT NULL DEFAULT true,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}."ingest_errors" (
        "id" bigserial PRIMARY KEY,
        "dataset_id" text NOT NULL,
        "message_id" text,
        "source" text NOT NULL,
        "batch_id" text,
        "row_key" text CONSTRAINT "ingest_errors_row_key_key" UNIQUE,
        "errors" jsonb NOT NULL,
        "original" bytea NOT NULL,
        "status" text NOT NULL DEFAULT 'open' CHECK ("status" IN ('open', 'replayed')),
        "received_at" timestamptz NOT NULL,
        "replayed_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "ingest_errors_dataset_idx" ON ${s}."ingest_errors" ("dataset_id", "id")`);
    await queryRunner.query(`
      CREATE TABLE ${s}."batches" (
        "id" text PRIMARY KEY,
        "dataset_id" text NOT NULL REFERENCES ${s}."datasets" ("id"),
        "format" text NOT NULL CHECK ("format" IN ('csv', 'json', 'ndjson', 'parquet')),
        "mapping" jsonb,
        "failure_threshold" double precision NOT NULL,
        "status" text NOT NULL,
        "files" jsonb NOT NULL DEFAULT '[]',
        "rows_read" bigint NOT NULL DEFAULT 0,
        "rows_ingested" bigint NOT NULL DEFAULT 0,
        "rows_failed" bigint NOT NULL DEFAULT 0,
        "checkpoint_file" integer NOT NULL DEFAULT 0,
        "checkpoint_row" bigint NOT NULL DEFAULT 0,
        "lease_until" timestamptz,
        "error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "completed_at" timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}."batch_failures" (
        "batch_id" text NOT NULL REFERENCES ${s}."batches" ("id"),
        "file" text NOT NULL,
        "row_number" bigint NOT NULL,
        "seq" integer NOT NULL,
        "path" text NOT NULL,
        "code" text NOT NULL,
        "message" text NOT NULL,
        PRIMARY KEY ("batch_id", "file", "row_number", "seq")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    for (const table of ['batch_failures', 'batches', 'ingest_errors', 'datasets', 'xdm_schemas', 'field_groups']) {
      await queryRunner.query(`DROP TABLE ${s}."${table}"`);
    }
  }
}
