import { GraphConfig } from '../config/graph-config';
import { checkIdentity } from '../validation/validate-record';
import { Identity, toIdentity } from './identity';

/**
 * The primary identity of an experience event: its valid identity of the highest-priority namespace
 * (overriding any `primary: true` flag). Among values of the same namespace the first one given wins.
 */
export function primaryIdentity(identities: readonly Identity[], config: GraphConfig): Identity | undefined {
  let best: { identity: Identity; priority: number } | undefined;
  for (const identity of identities) {
    if (checkIdentity(identity, config)) continue;
    const priority = config.namespace(identity.namespace)!.priority;
    if (!best || priority < best.priority) best = { identity: toIdentity(identity), priority };
  }
  return best?.identity;
}
