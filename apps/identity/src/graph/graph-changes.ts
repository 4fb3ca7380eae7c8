import { randomUUID } from 'node:crypto';
import { compareIdentities, type ApplyRecordResult, type Identity } from '@weft/identity-graph';
import type { GraphChange, GraphPart, IdentityKey } from '@weft/xdm';
import { soloProfileId } from './profile-ids';

const key = (identity: Identity): IdentityKey => ({ namespace: identity.namespace, id: identity.id });

/**
 * The graph changes one applied record causes, in an order a consumer can apply one after the other: first the
 * splits (which identities of an old profile now belong elsewhere), then the merges (which profiles fold into a
 * survivor).
 *
 * Identities that leave every graph become solo profiles, so they are listed both in `removedIdentities` and as a
 * part of their own (`soloProfileId`). `joinedSolos` names, per graph id, the solo profiles of identities that were
 * known but unlinked before the record and now belong to that graph; they are reported as absorbed by it.
 */
export function graphChangesOf(
  result: Pick<ApplyRecordResult, 'splits' | 'merges' | 'removedIdentities'>,
  joinedSolos: ReadonlyMap<string, readonly string[]>,
  at: Date,
  changeId: () => string = randomUUID,
): GraphChange[] {
  const removedFrom = new Map<string, Identity[]>();
  for (const { identity } of result.removedIdentities) {
    removedFrom.set(identity.graphId, [...(removedFrom.get(identity.graphId) ?? []), identity]);
  }
  const split = (old: string, parts: GraphPart[]): GraphChange => {
    const removed = [...(removedFrom.get(old) ?? [])].sort(compareIdentities);
    removedFrom.delete(old);
    return {
      changeId: changeId(),
      type: 'split',
      at: at.getTime(),
      survivor: null,
      absorbed: [],
      old,
      parts: [...parts, ...removed.map((identity) => ({ profileId: soloProfileId(identity), identities: [key(identity)] }))],
      removedIdentities: removed.map(key),
    };
  };
  const changes: GraphChange[] = result.splits.map((s) =>
    split(
      s.old,
      s.parts.map((p) => ({ profileId: p.graphId, identities: p.identities.map(key) })),
    ),
  );
  for (const old of [...removedFrom.keys()].sort()) changes.push(split(old, []));

  const absorbed = new Map<string, string[]>();
  for (const merge of result.merges) absorbed.set(merge.survivor, [...merge.absorbed]);
  for (const [survivor, solos] of joinedSolos) absorbed.set(survivor, [...(absorbed.get(survivor) ?? []), ...solos]);
  for (const [survivor, ids] of absorbed) {
    if (!ids.length) continue;
    changes.push({
      changeId: changeId(),
      type: 'merge',
      at: at.getTime(),
      survivor,
      absorbed: ids,
      old: null,
      parts: [],
      removedIdentities: [],
    });
  }
  return changes;
}

/** The Kafka key of a change: the survivor of a merge, the old profile of a split or delete. */
export function graphChangeKey(change: GraphChange): string {
  return (change.type === 'merge' ? change.survivor : change.old) ?? '';
}
