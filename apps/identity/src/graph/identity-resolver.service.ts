import { Injectable } from '@nestjs/common';
import { MessagingClient, PermanentMessageError } from '@weft/messaging';
import { identityKey, type Identity } from '@weft/identity-graph';
import { topics, type IngestEnvelope, type ResolvedEnvelope } from '@weft/xdm';
import { IdentityRulesService } from '../identity-rules/identity-rules.service';
import { GraphChangeOutbox } from './graph-change-outbox';
import { PostgresGraphStore, type Resolution } from './postgres-graph-store';

/** Stitches accepted envelopes to profiles: links their identities, publishes graph changes, then the resolved envelopes. */
@Injectable()
export class IdentityResolverService {
  constructor(
    private readonly store: PostgresGraphStore,
    private readonly rules: IdentityRulesService,
    private readonly outbox: GraphChangeOutbox,
    private readonly messaging: MessagingClient,
  ) {}

  /**
   * Idempotent: a re-delivered envelope finds its links already stored (same times), so it changes nothing, writes no
   * graph change and is resolved to the same profile again. Graph changes are published before the resolved envelopes
   * of the batch, and both before the offsets are committed. The resolved envelopes are published while the store
   * refreshes last-seen times, which change no profile id.
   */
  async handle(envelopes: readonly IngestEnvelope[]): Promise<ResolvedEnvelope[]> {
    const config = await this.rules.graphConfig();
    let resolved: ResolvedEnvelope[] = [];
    await this.store.resolveBatch(
      envelopes.map((e) => ({ id: e.id, at: new Date(e.timestamp), identities: e.identities })),
      config,
      {
        whileRefreshing: async ({ resolutions, changes }) => {
          if (changes) await this.outbox.flush();
          const failed = resolutions.findIndex((r) => r.profileId === null);
          if (failed >= 0) {
            // The consumer retries the batch message by message and dead-letters only this one.
            const { reason } = resolutions[failed] as Extract<Resolution, { profileId: null }>;
            throw new PermanentMessageError('unresolvable_identities', `envelope ${envelopes[failed].id} cannot be stitched: ${reason}`);
          }
          resolved = envelopes.map((envelope, i) => toResolved(envelope, resolutions[i] as Extract<Resolution, { primary: Identity }>));
          await this.messaging.publish(
            topics.identityResolved,
            resolved.map((value) => ({ key: value.profileId, value })),
          );
        },
      },
    );
    return resolved;
  }
}

/**
 * The envelope with its profile id. An event's primary identity is its highest-priority identity (overriding any
 * `primary` flag); a profile record keeps the primary identity of its schema when it has one.
 */
export function toResolved(
  envelope: IngestEnvelope,
  resolution: { profileId: string; primary: Identity },
): ResolvedEnvelope {
  const primary =
    envelope.kind === 'event' || !envelope.primaryIdentity
      ? { namespace: resolution.primary.namespace, id: resolution.primary.id }
      : envelope.primaryIdentity;
  const primaryKey = identityKey(primary);
  return {
    profileId: resolution.profileId,
    graphVersion: null,
    id: envelope.id,
    datasetId: envelope.datasetId,
    schemaId: envelope.schemaId,
    kind: envelope.kind,
    timestamp: envelope.timestamp,
    receivedAt: envelope.receivedAt,
    identities: envelope.identities.map((i) => ({ ...i, primary: identityKey(i) === primaryKey })),
    primaryIdentity: primary,
    source: envelope.source,
    batchId: envelope.batchId ?? null,
    payloadSchemaId: envelope.payloadSchemaId ?? null,
    payload: envelope.payload,
  };
}
