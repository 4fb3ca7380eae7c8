import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '@weft/platform';

export class CreateSegmentationTables1767398400000 implements MigrationInterface {
  name = 'CreateSegmentationTables1767398400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`
      CREATE TABLE ${s}."segments" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" text NOT NULL CONSTRAINT "segments_name_key" UNIQUE,
        "description" text,
        "expression" text NOT NULL,
        "merge_policy_id" text,
        "evaluation_method" text NOT NULL CHECK ("evaluation_method" IN ('edge', 'streaming', 'batch')),
        "time_bound" boolean NOT NULL DEFAULT false,
        "depends_on" text[] NOT NULL DEFAULT '{}',
        "revision" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    // The change-feed-built store: the latest ProfileChanged of every profile (never the profile service's tables).
    await queryRunner.query(`
      CREATE TABLE ${s}."profile_snapshots" (
        "profile_id" text PRIMARY KEY COLLATE "C",
        "version" bigint NOT NULL,
        "deleted" boolean NOT NULL DEFAULT false,
        "flags" text[] NOT NULL DEFAULT '{}',
        "attributes" text NOT NULL,
        "identities" text NOT NULL,
        "events" text NOT NULL,
        "merge_policy_id" text NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        "eligible" boolean GENERATED ALWAYS AS (NOT "deleted" AND cardinality("flags") = 0) STORED
      )`);
    // Batch pages walk this index in id order; a plain column keeps the planner's row estimates right.
    await queryRunner.query(
      `CREATE INDEX "profile_snapshots_eligible_idx" ON ${s}."profile_snapshots" ("profile_id") WHERE "eligible"`,
    );
    // One row per profile and segment it ever entered; exits keep the row so versions keep growing.
    await queryRunner.query(`
      CREATE TABLE ${s}."memberships" (
        "profile_id" text NOT NULL COLLATE "C",
        "segment_id" text NOT NULL COLLATE "C",
        "status" text NOT NULL CHECK ("status" IN ('realized', 'exited')),
        "version" integer NOT NULL,
        "last_qualification_time" timestamptz NOT NULL,
        "profile_version" bigint NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("profile_id", "segment_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "memberships_realized_idx" ON ${s}."memberships" ("segment_id", "profile_id") WHERE "status" = 'realized'`,
    );
    await queryRunner.query(`
      CREATE TABLE ${s}."segment_jobs" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "trigger" text NOT NULL CHECK ("trigger" IN ('manual', 'schedule')),
        "status" text NOT NULL CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed')),
        "segment_count" integer NOT NULL DEFAULT 0,
        "total_profiles" integer NOT NULL DEFAULT 0,
        "processed_profiles" integer NOT NULL DEFAULT 0,
        "realized" integer NOT NULL DEFAULT 0,
        "exited" integer NOT NULL DEFAULT 0,
        "error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "started_at" timestamptz,
        "finished_at" timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`DROP TABLE ${s}."segment_jobs"`);
    await queryRunner.query(`DROP TABLE ${s}."memberships"`);
    await queryRunner.query(`DROP TABLE ${s}."profile_snapshots"`);
    await queryRunner.query(`DROP TABLE ${s}."segments"`);
  }
}
