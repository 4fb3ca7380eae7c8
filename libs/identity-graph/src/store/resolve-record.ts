import { GraphConfig } from '../config/graph-config';
import { applyRecord, ApplyRecordOptions, ApplyRecordResult } from '../graph/apply-record';
import { GraphRecord } from '../identity/identity';
import { validateRecord } from '../validation/validate-record';
import { IdentityGraphStore } from './identity-graph-store';

/** The service's flow for one record: load the graphs it touches, apply it, store the result in their place. */
export async function resolveRecord(
  store: IdentityGraphStore,
  record: GraphRecord,
  config: GraphConfig,
  options: ApplyRecordOptions,
): Promise<ApplyRecordResult> {
  const validation = validateRecord(record, config);
  const component = await store.findComponent(validation.status === 'accepted' ? validation.identities : []);
  const result = applyRecord(component, record, config, options);
  const replaced = [...new Set(component.identities.map((identity) => identity.graphId))];
  await store.replaceGraphs(replaced, result.components);
  return result;
}
