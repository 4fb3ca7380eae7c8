import { createHash, randomUUID } from 'node:crypto';
import type { Identity } from '@weft/identity-graph';

/**
 * Profile id of an identity that is linked to nothing: derived from the identity (md5 of `<namespace>:<id>`, shaped
 * like a UUID), so a record with a single identity resolves without a write and always to the same profile. The
 * identities table computes the same hash (column solo_id), which lets the id be looked up again. When such an
 * identity joins a graph, the graph change reports its solo id as absorbed; when it leaves one, as a split part.
 */
export function soloProfileId(identity: Identity): string {
  return asUuid(createHash('md5').update(`${identity.namespace}:${identity.id}`).digest('hex'));
}

/** The solo_id column value a profile id stands for, if it has the shape of one. */
export function soloHashOf(profileId: string): string | undefined {
  const hex = profileId.replace(/-/g, '');
  return /^[0-9a-f]{32}$/.test(hex) && asUuid(hex) === profileId ? hex : undefined;
}

/** Profile ids of graphs are random: they belong to the graph's anchor, not to a value that could be guessed. */
export const newGraphId = (): string => randomUUID();

function asUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
