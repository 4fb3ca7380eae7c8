import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '@weft/platform';
import { CORE_POLICIES } from '../governance/policy';

export class CreateDestinationTables1767300000000 implements MigrationInterface {
  name = 'CreateDestinationTables1767300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`
      CREATE TABLE ${s}."connections" (
        "id" uuid PRIMARY KEY,
        "type" text NOT NULL,
        "name" text NOT NULL,
        "endpoint" text NOT NULL,
        "settings" jsonb NOT NULL DEFAULT '{}',
        "delivery" jsonb NOT NULL DEFAULT '{}',
        "credentials_sealed" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}."dataflows" (
        "id" uuid PRIMARY KEY,
        "connection_id" uuid NOT NULL REFERENCES ${s}."connections" ("id"),
        "name" text NOT NULL,
        "segment_ids" text[] NOT NULL,
        "mapping" jsonb NOT NULL,
        "identity_namespaces" text[] NOT NULL DEFAULT '{}',
        "schedule" jsonb NOT NULL,
        "marketing_actions" text[] NOT NULL,
        "consent_channel" text NOT NULL,
        "send_attribute_changes" boolean NOT NULL DEFAULT false,
        "enabled" boolean NOT NULL DEFAULT true,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "dataflows_connection_id_idx" ON ${s}."dataflows" ("connection_id")`);
    await queryRunner.query(`
      CREATE TABLE ${s}."policies" (
        "id" text PRIMARY KEY,
        "name" text NOT NULL,
        "marketing_action" text NOT NULL,
        "operator" text NOT NULL CHECK ("operator" IN ('anyOf', 'allOf')),
        "labels" text[] NOT NULL,
        "enabled" boolean NOT NULL DEFAULT false,
        "core" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    for (const p of CORE_POLICIES) {
      await queryRunner.query(
        `INSERT INTO ${s}."policies" ("id", "name", "marketing_action", "operator", "labels", "enabled", "core")
         VALUES ($1, $2, $3, $4, $5, false, true)`,
        [p.id, p.name, p.marketingAction, p.operator, p.labels],
      );
    }
    // Attributes for export, fed by weft.profile.changed.v1 (see the connector's README for the design).
    await queryRunner.query(`
      CREATE TABLE ${s}."profile_projection" (
        "profile_id" text PRIMARY KEY,
        "version" bigint NOT NULL,
        "attributes" jsonb NOT NULL,
        "identities" jsonb NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    // Latest status per profile and activated audience: de-duplicates redelivered events by version.
    await queryRunner.query(`
      CREATE TABLE ${s}."membership_state" (
        "profile_id" text NOT NULL,
        "segment_id" text NOT NULL,
        "status" text NOT NULL,
        "last_qualification_time" timestamptz NOT NULL,
        "version" bigint NOT NULL,
        PRIMARY KEY ("profile_id", "segment_id")
      )`);
    // Profile documents waiting for delivery; grouped into a delivery (idempotency key) when claimed.
    await queryRunner.query(`
      CREATE TABLE ${s}."outbox" (
        "id" bigserial PRIMARY KEY,
        "connection_id" uuid NOT NULL,
        "dataflow_id" uuid NOT NULL,
        "profile_id" text NOT NULL,
        "document" text NOT NULL,
        "enqueued_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "delivery_id" uuid,
        "attempts" integer NOT NULL DEFAULT 0,
        "lease_until" timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX "outbox_waiting_idx" ON ${s}."outbox" ("connection_id", "id") WHERE "delivery_id" IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX "outbox_delivery_idx" ON ${s}."outbox" ("delivery_id") WHERE "delivery_id" IS NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX "outbox_lease_idx" ON ${s}."outbox" ("connection_id", "lease_until") WHERE "delivery_id" IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE ${s}."dead_letters" (
        "id" uuid PRIMARY KEY,
        "connection_id" uuid NOT NULL,
        "dataflow_ids" uuid[] NOT NULL,
        "items" jsonb NOT NULL,
        "profile_count" integer NOT NULL,
        "attempts" integer NOT NULL,
        "last_status" integer,
        "last_error" text,
        "attempt_log" jsonb NOT NULL DEFAULT '[]',
        "failed_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "dead_letters_connection_idx" ON ${s}."dead_letters" ("connection_id", "failed_at")`);
    await queryRunner.query(`
      CREATE TABLE ${s}."delivery_log" (
        "id" bigserial PRIMARY KEY,
        "delivery_id" uuid NOT NULL,
        "connection_id" uuid NOT NULL,
        "dataflow_ids" uuid[] NOT NULL,
        "profiles" jsonb NOT NULL,
        "outcome" text NOT NULL CHECK ("outcome" IN ('delivered', 'dead_lettered')),
        "status" integer,
        "error" text,
        "attempts" integer NOT NULL,
        "attempt_log" jsonb NOT NULL,
        "first_enqueued_at" timestamptz NOT NULL,
        "finished_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "delivery_log_dataflows_idx" ON ${s}."delivery_log" USING gin ("dataflow_ids")`);
    await queryRunner.query(`CREATE INDEX "delivery_log_finished_idx" ON ${s}."delivery_log" ("finished_at")`);
    await queryRunner.query(`
      CREATE TABLE ${s}."dataflow_runs" (
        "dataflow_id" uuid NOT NULL,
        "window_start" timestamptz NOT NULL,
        "received" bigint NOT NULL DEFAULT 0,
        "sent" bigint NOT NULL DEFAULT 0,
        "excluded_total" bigint NOT NULL DEFAULT 0,
        "failed" bigint NOT NULL DEFAULT 0,
        "excluded_reasons" jsonb NOT NULL DEFAULT '{}',
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("dataflow_id", "window_start")
      )`);
    // Adds two {reason: count} objects key by key (run counters are bumped concurrently by upserts).
    await queryRunner.query(`
      CREATE FUNCTION ${s}."add_counts"(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}'::jsonb)
        FROM (SELECT jsonb_object_keys(a) UNION SELECT jsonb_object_keys(b)) AS keys(k)
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    await queryRunner.query(`DROP FUNCTION ${s}."add_counts"(jsonb, jsonb)`);
    for (const table of [
      'dataflow_runs',
      'delivery_log',
      'dead_letters',
      'outbox',
      'membership_state',
      'profile_projection',
      'policies',
      'dataflows',
      'connections',
    ]) {
      await queryRunner.query(`DROP TABLE ${s}."${table}"`);
    }
  }
}
