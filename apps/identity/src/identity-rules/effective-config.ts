import { defineGraphConfig, GraphConfigError, type GraphConfig, type NamespaceConfig, type NamespaceType } from '@weft/identity-graph';
import type { ErrorDetail } from '@weft/platform';
import type { NamespaceKind } from '../namespaces/standard-namespaces';

export interface NamespaceDefinition {
  code: string;
  type: NamespaceKind;
}

export interface IdentityRules {
  /** Namespace codes, most important first. */
  priority: string[];
  /** Namespaces of which a graph holds at most one identity. */
  unique: string[];
}

const LAYERS: readonly (readonly NamespaceType[])[] = [['CROSS_DEVICE', 'EMAIL', 'PHONE'], ['DEVICE'], ['COOKIE']];

/** Room left between two listed namespaces for the unlisted namespaces of the same layer. */
const STEP = 1_000;

export function isLinkable(kind: NamespaceKind): kind is NamespaceType {
  return kind !== 'NON_PEOPLE' && kind !== 'PARTNER';
}

export class RulesError extends Error {
  constructor(readonly details: ErrorDetail[]) {
    super(details.map((d) => `${d.path}: ${d.message}`).join('; '));
    this.name = RulesError.name;
  }
}

/** The problems of `rules` against the known namespaces (empty when the rules can be stored). */
export function checkRules(rules: IdentityRules, namespaces: readonly NamespaceDefinition[]): ErrorDetail[] {
  const byCode = new Map(namespaces.map((ns) => [ns.code, ns]));
  const details: ErrorDetail[] = [];
  const check = (field: 'priority' | 'unique') => {
    const seen = new Set<string>();
    rules[field].forEach((code, i) => {
      const path = `${field}[${i}]`;
      const ns = byCode.get(code);
      if (!ns) details.push({ path, code: 'unknownNamespace', message: `namespace ${JSON.stringify(code)} does not exist` });
      else if (!isLinkable(ns.type)) {
        details.push({ path, code: 'notLinkable', message: `namespace ${code} is of type ${ns.type}, which never links identities` });
      }
      if (seen.has(code)) details.push({ path, code: 'duplicate', message: `namespace ${code} is listed twice` });
      seen.add(code);
    });
  };
  check('priority');
  check('unique');
  if (details.length) return details;
  let layerBefore = 0;
  rules.priority.forEach((code, i) => {
    const layer = layerOf(byCode.get(code)!.type as NamespaceType);
    if (layer < layerBefore) {
      details.push({
        path: `priority[${i}]`,
        code: 'priorityOrder',
        message: `namespace ${code} (${byCode.get(code)!.type}) is listed after a lower layer: person namespaces rank above devices, devices above cookies`,
      });
    }
    layerBefore = Math.max(layerBefore, layer);
  });
  return details;
}

/**
 * The graph configuration the algorithm runs with: every person, device and cookie namespace (non-people and partner
 * namespaces are left out, so they never link). Namespaces listed in `rules.priority` rank in that order; unlisted
 * ones rank after the listed ones of their layer, in `namespaces` order. Listed namespaces get priorities
 * 1000, 2000, ... so that adding unlisted ones in between never changes how listed ones compare, nor the order of
 * priority sums among links of listed namespaces (which the replay rule sorts by).
 */
export function effectiveGraphConfig(namespaces: readonly NamespaceDefinition[], rules: IdentityRules): GraphConfig {
  const problems = checkRules(rules, namespaces);
  if (problems.length) throw new RulesError(problems);
  const unique = new Set(rules.unique);
  const rank = new Map(rules.priority.map((code, i) => [code, (i + 1) * STEP]));
  const linkable = namespaces.filter((ns): ns is NamespaceDefinition & { type: NamespaceType } => isLinkable(ns.type));
  const configs: NamespaceConfig[] = [];
  let floor = 0;
  for (const layer of LAYERS) {
    const inLayer = linkable.filter((ns) => layer.includes(ns.type));
    for (const ns of inLayer.filter((n) => rank.has(n.code)).sort((x, y) => rank.get(x.code)! - rank.get(y.code)!)) {
      floor = rank.get(ns.code)!;
      configs.push({ code: ns.code, type: ns.type, priority: floor, unique: unique.has(ns.code) });
    }
    for (const ns of inLayer.filter((n) => !rank.has(n.code))) {
      configs.push({ code: ns.code, type: ns.type, priority: ++floor, unique: unique.has(ns.code) });
    }
  }
  try {
    return defineGraphConfig({ namespaces: configs });
  } catch (err) {
    if (err instanceof GraphConfigError) throw new RulesError([{ path: 'priority', code: 'invalidRules', message: err.message }]);
    throw err;
  }
}

function layerOf(type: NamespaceType): number {
  return LAYERS.findIndex((layer) => layer.includes(type));
}
