import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '@weft/platform';

/** Id of the merge policy every new installation starts with as its default. */
export const INITIAL_DEFAULT_POLICY_ID = '00000000-0000-4000-8000-000000000001';

export class CreateProfileTables1767225600000 implements MigrationInterface {
  name = 'CreateProfileTables1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    // Profile versions come from one sequence: they grow for every profile, across merges and deletions.
    await queryRunner.query(`CREATE SEQUENCE ${s}.profile_version_seq`);
    await queryRunner.query(`
      CREATE TABLE ${s}.merge_policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        attribute_merge text NOT NULL CHECK (attribute_merge IN ('timestampOrdered', 'datasetPrecedence')),
        dataset_order text[] NOT NULL DEFAULT '{}',
        identity_stitching text NOT NULL CHECK (identity_stitching IN ('privateGraph', 'none')),
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX merge_policies_one_default ON ${s}.merge_policies (is_default) WHERE is_default`);
    await queryRunner.query(
      `INSERT INTO ${s}.merge_policies (id, name, attribute_merge, identity_stitching, is_default)
       VALUES ('${INITIAL_DEFAULT_POLICY_ID}', 'Timestamp ordered, private graph', 'timestampOrdered', 'privateGraph', true)`,
    );

    // identity -> profile id: what lookups, splits and privacy jobs start from.
    await queryRunner.query(`
      CREATE TABLE ${s}.identities (
        namespace text NOT NULL,
        id text NOT NULL,
        profile_id text NOT NULL,
        is_primary boolean NOT NULL DEFAULT false,
        PRIMARY KEY (namespace, id)
      )`);
    await queryRunner.query(`CREATE INDEX identities_profile_id ON ${s}.identities (profile_id)`);

    // Profile ids folded into another by a merge: late documents stitched to them land on the survivor.
    await queryRunner.query(`CREATE TABLE ${s}.profile_redirects (from_id text PRIMARY KEY, to_id text NOT NULL)`);
    await queryRunner.query(`CREATE TABLE ${s}.graph_changes (change_id text PRIMARY KEY, type text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);

    await queryRunner.query(`
      CREATE TABLE ${s}.fragments (
        dataset_id text NOT NULL,
        primary_identity text NOT NULL,
        profile_id text NOT NULL,
        attributes jsonb NOT NULL,
        ts timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dataset_id, primary_identity)
      )`);
    await queryRunner.query(`CREATE INDEX fragments_profile_id ON ${s}.fragments (profile_id)`);

    // Experience events, partitioned by month of their timestamp so retention drops whole partitions.
    // The key includes ts because a partitioned table's unique keys must hold the partition key; a replayed
    // event carries the same _id and timestamp, so (id, ts) de-duplicates it.
    await queryRunner.query(`
      CREATE TABLE ${s}.events (
        id text NOT NULL,
        ts timestamptz NOT NULL,
        profile_id text NOT NULL,
        dataset_id text NOT NULL,
        primary_identity text NOT NULL,
        event_type text,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (id, ts)
      ) PARTITION BY RANGE (ts)`);
    await queryRunner.query(`CREATE INDEX events_profile_ts ON ${s}.events (profile_id, ts DESC)`);
    await queryRunner.query(`CREATE TABLE ${s}.dataset_retention (dataset_id text PRIMARY KEY, ttl_days integer NOT NULL CHECK (ttl_days > 0))`);

    // The default merge policy's merged profile, kept up to date: lookups read one row.
    await queryRunner.query(`
      CREATE TABLE ${s}.profiles (
        profile_id text PRIMARY KEY,
        version bigint NOT NULL,
        merge_policy_id uuid NOT NULL,
        attributes jsonb NOT NULL,
        identities jsonb NOT NULL,
        flags text[] NOT NULL DEFAULT '{}',
        event_count integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE ${s}.memberships (
        profile_id text NOT NULL,
        segment_id text NOT NULL,
        status text NOT NULL,
        last_qualification_time timestamptz NOT NULL,
        version bigint NOT NULL,
        PRIMARY KEY (profile_id, segment_id)
      )`);

    await queryRunner.query(`
      CREATE TABLE ${s}.privacy_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        action text NOT NULL CHECK (action IN ('access', 'delete')),
        identities jsonb NOT NULL,
        status text NOT NULL,
        steps jsonb NOT NULL DEFAULT '[]',
        result jsonb,
        receipt jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX privacy_jobs_open ON ${s}.privacy_jobs (status) WHERE status IN ('queued', 'processing', 'pending')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quotedSchema(queryRunner.connection);
    for (const table of ['privacy_jobs', 'memberships', 'profiles', 'dataset_retention', 'events', 'fragments', 'graph_changes', 'profile_redirects', 'identities', 'merge_policies']) {
      await queryRunner.query(`DROP TABLE ${s}.${table}`);
    }
    await queryRunner.query(`DROP SEQUENCE ${s}.profile_version_seq`);
  }
}
