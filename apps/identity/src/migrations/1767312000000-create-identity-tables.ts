import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '@weft/platform';
import { DEFAULT_IDENTITY_RULES, NAMESPACE_KINDS, STANDARD_NAMESPACES } from '../namespaces/standard-namespaces';

export class CreateIdentityTables1767312000000 implements MigrationInterface {
  name = 'CreateIdentityTables1767312000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    const kinds = NAMESPACE_KINDS.map((k) => `'${k}'`).join(', ');
    await queryRunner.query(`
      CREATE TABLE ${s}."namespaces" (
        "code" text PRIMARY KEY CHECK ("code" ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
        "name" text NOT NULL,
        "type" text NOT NULL CHECK ("type" IN (${kinds})),
        "description" text NOT NULL DEFAULT '',
        "custom" boolean NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `INSERT INTO ${s}."namespaces" ("code", "name", "type", "description", "custom")
       SELECT c, n, t, d, false FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(c, n, t, d)`,
      [
        STANDARD_NAMESPACES.map((n) => n.code),
        STANDARD_NAMESPACES.map((n) => n.name),
        STANDARD_NAMESPACES.map((n) => n.type),
        STANDARD_NAMESPACES.map((n) => n.description),
      ],
    );
    // One row: the linking rules; `version` also grows when a namespace is added, so instances know to reload.
    await queryRunner.query(`
      CREATE TABLE ${s}."identity_rules" (
        "id" smallint PRIMARY KEY CHECK ("id" = 1),
        "priority" text[] NOT NULL,
        "unique" text[] NOT NULL,
        "version" bigint NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`INSERT INTO ${s}."identity_rules" ("id", "priority", "unique", "version") VALUES (1, $1, $2, 1)`, [
      DEFAULT_IDENTITY_RULES.priority,
      DEFAULT_IDENTITY_RULES.unique,
    ]);
    // Every identity ever seen. graph_id is null for an identity linked to nothing; its profile id is then solo_id.
    await queryRunner.query(`
      CREATE TABLE ${s}."identities" (
        "namespace" text NOT NULL,
        "id" text NOT NULL,
        "graph_id" text,
        "first_seen" timestamptz NOT NULL,
        "last_seen" timestamptz NOT NULL,
        "linked_at" timestamptz,
        "link_refusal" text,
        "solo_id" text GENERATED ALWAYS AS (md5("namespace" || ':' || "id")) STORED,
        PRIMARY KEY ("namespace", "id"),
        CHECK (("graph_id" IS NULL) = ("linked_at" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "identities_graph_id_idx" ON ${s}."identities" ("graph_id") WHERE "graph_id" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "identities_solo_id_idx" ON ${s}."identities" ("solo_id")`);
    // Links in canonical order (a before b); `at` is the newest time the pair was seen together.
    await queryRunner.query(`
      CREATE TABLE ${s}."links" (
        "a_namespace" text NOT NULL,
        "a_id" text NOT NULL,
        "b_namespace" text NOT NULL,
        "b_id" text NOT NULL,
        "graph_id" text NOT NULL,
        "at" timestamptz NOT NULL,
        PRIMARY KEY ("a_namespace", "a_id", "b_namespace", "b_id")
      )`);
    await queryRunner.query(`CREATE INDEX "links_graph_id_idx" ON ${s}."links" ("graph_id")`);
    // Records (by envelope id) whose links were applied by the slow path: a re-delivered one is not applied again,
    // which matters when unique namespaces made later records drop its links.
    await queryRunner.query(`
      CREATE TABLE ${s}."applied_records" (
        "record_id" text PRIMARY KEY,
        "applied_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "applied_records_applied_at_idx" ON ${s}."applied_records" ("applied_at")`);
    // Outbox of graph changes: written in the transaction that changes the graph, published in seq order after it.
    await queryRunner.query(`
      CREATE TABLE ${s}."graph_changes" (
        "seq" bigserial PRIMARY KEY,
        "key" text NOT NULL,
        "change" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    for (const table of ['graph_changes', 'applied_records', 'links', 'identities', 'identity_rules', 'namespaces']) {
      await queryRunner.query(`DROP TABLE ${s}."${table}"`);
    }
  }
}
