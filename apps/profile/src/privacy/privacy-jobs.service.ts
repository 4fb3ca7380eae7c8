import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CONFIG, NotFoundError } from '@weft/platform';
import type { ProfileConfig } from '../config';
import { ProfileDb, PROFILE_MOVE_LOCK, type Sql } from '../database/profile-db';
import { Materializer } from '../store/materializer.service';
import { ProfileStore } from '../store/profile-store.service';
import { IdentityClient } from './identity-client';
import type { CreatePrivacyJob } from './privacy-job.dto';
import { PrivacyJobEntity, type PrivacyStep } from './privacy-job.entity';

type IdentityList = { namespace: string; id: string }[];

/**
 * Data subject requests. access: gathers everything held about the person. delete: removes fragments, events,
 * identities, memberships and the materialized profile, publishes a deletion on the change feed, then asks the
 * identity service to drop the graph; if that service cannot be reached the step stays pending and is retried.
 */
@Injectable()
export class PrivacyJobsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PrivacyJobsService.name);
  private readonly running = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly db: ProfileDb,
    private readonly store: ProfileStore,
    private readonly materializer: Materializer,
    private readonly identity: IdentityClient,
    @Inject(CONFIG) private readonly config: ProfileConfig,
  ) {}

  private get jobs() {
    return this.dataSource.getRepository(PrivacyJobEntity);
  }

  /** Partial update of a job (jsonb columns typed loosely by TypeORM, hence the cast). */
  private async patch(id: string, fields: Partial<PrivacyJobEntity>): Promise<void> {
    await this.jobs.update(id, fields as QueryDeepPartialEntity<PrivacyJobEntity>);
  }

  onApplicationBootstrap(): void {
    // Jobs interrupted by a restart, and jobs with a pending step, are picked up again.
    this.timer = setInterval(() => void this.resumeOpenJobs(), this.config.PRIVACY_RETRY_INTERVAL_SECONDS * 1000);
    this.timer.unref();
    void this.resumeOpenJobs();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled(this.running.values());
  }

  async create(input: CreatePrivacyJob): Promise<PrivacyJobEntity> {
    const job = await this.jobs.save(this.jobs.create({ action: input.action, identities: input.identities, status: 'queued', steps: [] }));
    void this.start(job.id);
    return job;
  }

  async get(id: string): Promise<PrivacyJobEntity> {
    const job = /^[0-9a-f-]{36}$/i.test(id) ? await this.jobs.findOneBy({ id }) : null;
    if (!job) throw new NotFoundError('privacy job', id);
    return job;
  }

  /** Runs a job in the background (once at a time per job); resolves when it stops. */
  start(id: string): Promise<void> {
    let run = this.running.get(id);
    if (!run) {
      run = this.run(id)
        .catch((err: unknown) => this.logger.error(`privacy job ${id} failed: ${err instanceof Error ? err.stack : String(err)}`))
        .finally(() => this.running.delete(id));
      this.running.set(id, run);
    }
    return run;
  }

  private async resumeOpenJobs(): Promise<void> {
    try {
      const open = await this.jobs.find({ where: { status: In(['queued', 'processing', 'pending']) }, select: { id: true } });
      for (const job of open) void this.start(job.id);
    } catch (err) {
      this.logger.warn(`could not look for open privacy jobs: ${String(err)}`);
    }
  }

  private async run(id: string): Promise<void> {
    const job = await this.get(id);
    switch (job.action) {
      case 'access':
        return this.runAccess(job);
      case 'delete':
        return this.runDelete(job);
    }
  }

  /** Profile ids holding any of the identities, or holding data keyed by them. */
  private async profileIdsOf(sql: Sql, identities: IdentityList): Promise<string[]> {
    const keys = identities.map((i) => `${i.namespace}:${i.id}`);
    const { rows } = await sql.query<{ profile_id: string }>(
      `SELECT profile_id FROM identities i JOIN unnest($1::text[], $2::text[]) AS k(namespace, id) USING (namespace, id)
       UNION SELECT profile_id FROM fragments WHERE primary_identity = ANY($3)`,
      [identities.map((i) => i.namespace), identities.map((i) => i.id), keys],
    );
    return rows.map((r) => r.profile_id).sort();
  }

  private async runAccess(job: PrivacyJobEntity): Promise<void> {
    const profileIds = await this.profileIdsOf(this.db, job.identities);
    const profiles = [];
    for (const profileId of profileIds) {
      const [profile, identities, fragments, events, memberships] = await Promise.all([
        this.db.query('SELECT profile_id AS "profileId", version, attributes, flags, event_count AS "eventCount", updated_at AS "updatedAt" FROM profiles WHERE profile_id = $1', [profileId]),
        this.db.query('SELECT namespace, id, is_primary AS primary FROM identities WHERE profile_id = $1 ORDER BY namespace, id', [profileId]),
        this.db.query('SELECT dataset_id AS "datasetId", primary_identity AS "primaryIdentity", attributes, ts AS timestamp, received_at AS "receivedAt" FROM fragments WHERE profile_id = $1 ORDER BY dataset_id', [profileId]),
        this.db.query('SELECT id, ts AS timestamp, event_type AS "eventType", dataset_id AS "datasetId", payload, received_at AS "receivedAt" FROM events WHERE profile_id = $1 ORDER BY ts', [profileId]),
        this.db.query('SELECT segment_id AS "segmentId", status, last_qualification_time AS "lastQualificationTime", version FROM memberships WHERE profile_id = $1', [profileId]),
      ]);
      profiles.push({
        profileId,
        mergedProfile: profile.rows[0] ?? null,
        identities: identities.rows,
        fragments: fragments.rows,
        events: events.rows,
        segmentMemberships: memberships.rows,
      });
    }
    const now = new Date();
    await this.patch(job.id, {
      status: 'completed',
      steps: [step('profileStore', 'completed', { detail: { profiles: profileIds.length } })],
      result: { profiles },
      receipt: { jobId: job.id, action: 'access', identities: job.identities, profileIds, completedAt: now.toISOString() },
      completedAt: now,
    });
  }

  private async runDelete(job: PrivacyJobEntity): Promise<void> {
    let steps = job.steps;
    let profileIds = (job.receipt?.['profileIds'] as string[] | undefined) ?? [];
    if (!steps.some((s) => s.name === 'profileStore' && s.status === 'completed')) {
      await this.patch(job.id, { status: 'processing' });
      const done = await this.db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [PROFILE_MOVE_LOCK]);
        const ids = await this.profileIdsOf(client, job.identities);
        const counts = await this.store.deleteProfileData(client, ids);
        // Data keyed by the identities under some other profile id would otherwise survive the request.
        const keys = job.identities.map((i) => `${i.namespace}:${i.id}`);
        const strayFragments = await client.query('DELETE FROM fragments WHERE primary_identity = ANY($1)', [keys]);
        const strayEvents = await client.query('DELETE FROM events WHERE primary_identity = ANY($1)', [keys]);
        counts['fragments'] += strayFragments.rowCount ?? 0;
        counts['events'] += strayEvents.rowCount ?? 0;
        const { rowCount } = await client.query('SELECT 1 FROM profiles WHERE profile_id = ANY($1)', [ids]);
        counts['profiles'] = rowCount ?? 0;
        const deletions = await this.materializer.deleteProfiles(client, ids);
        await this.materializer.publish(deletions);
        return { ids, counts, versions: Object.fromEntries(deletions.map((d) => [d.profileId, d.version])) };
      });
      profileIds = done.ids;
      steps = [
        step('profileStore', 'completed', { detail: { profileIds, deleted: done.counts } }),
        step('changeFeed', 'completed', { detail: { deletedVersions: done.versions } }),
      ];
      await this.patch(job.id, { steps, receipt: { jobId: job.id, action: 'delete', identities: job.identities, profileIds } });
    }
    await this.deleteGraphs(job, steps, profileIds);
  }

  private async deleteGraphs(job: PrivacyJobEntity, steps: PrivacyStep[], profileIds: string[]): Promise<void> {
    const previous = steps.find((s) => s.name === 'identityGraph');
    if (previous && previous.status !== 'pending') return;
    const attempts = (previous?.attempts ?? 0) + 1;
    let graph: PrivacyStep;
    if (!profileIds.length) {
      graph = step('identityGraph', 'skipped', { detail: { reason: 'no profile holds these identities, so there is no graph id to delete' } });
    } else {
      const failures: string[] = [];
      for (const profileId of profileIds) {
        const outcome = await this.identity.deleteGraph(profileId);
        if (!outcome.ok) failures.push(`${profileId}: ${outcome.error}`);
      }
      graph = failures.length
        ? step('identityGraph', attempts >= this.config.PRIVACY_MAX_ATTEMPTS ? 'failed' : 'pending', { attempts, error: failures.join('; ') })
        : step('identityGraph', 'completed', { attempts, detail: { profileIds } });
    }
    const all = [...steps.filter((s) => s.name !== 'identityGraph'), graph];
    const finished = graph.status !== 'pending';
    const now = new Date();
    await this.patch(job.id, {
      steps: all,
      status: graph.status === 'failed' ? 'failed' : finished ? 'completed' : 'pending',
      ...(finished
        ? {
            completedAt: now,
            receipt: {
              jobId: job.id,
              action: 'delete',
              identities: job.identities,
              profileIds,
              steps: all.map((s) => ({ name: s.name, status: s.status, at: s.at })),
              completedAt: now.toISOString(),
            },
          }
        : {}),
    });
    if (graph.status === 'pending') this.logger.warn(`privacy job ${job.id}: identity graph deletion pending (${graph.error})`);
  }
}

function step(name: PrivacyStep['name'], status: PrivacyStep['status'], extra: Partial<PrivacyStep> = {}): PrivacyStep {
  return { name, status, ...extra, at: new Date().toISOString() };
}
