export type NamespaceType = 'CROSS_DEVICE' | 'EMAIL' | 'PHONE' | 'DEVICE' | 'COOKIE';

export interface NamespaceConfig {
  /** Case-sensitive namespace code, e.g. `CRMID`, `ECID`. */
  code: string;
  type: NamespaceType;
  /** 1 = most important. Person namespaces rank above device namespaces, which rank above cookie namespaces. */
  priority: number;
  /** At most one identity of this namespace may be in a graph. */
  unique: boolean;
}

export interface GraphLimits {
  /** A graph never holds more identities than this; older cookies, then devices, are deleted first. */
  maxIdentitiesPerGraph: number;
  /** A record carrying more identities is not allowed. */
  maxIdentitiesPerRecord: number;
  /** A record carrying a longer value (other than an ECID) is skipped. */
  maxValueLength: number;
  /** An identity already linked to this many identities is not linked to new ones (super-node guard). */
  superNodeLinks: number;
}

export interface GraphConfigInput {
  namespaces: readonly NamespaceConfig[];
  limits?: Partial<GraphLimits>;
}

export const DEFAULT_GRAPH_LIMITS: Readonly<GraphLimits> = Object.freeze({
  maxIdentitiesPerGraph: 50,
  maxIdentitiesPerRecord: 20,
  maxValueLength: 1024,
  superNodeLinks: 50,
});

const NAMESPACE_TYPES: readonly NamespaceType[] = ['CROSS_DEVICE', 'EMAIL', 'PHONE', 'DEVICE', 'COOKIE'];

/** Person namespaces form one layer, then devices, then cookies; priorities must respect that order. */
export function namespaceLayer(type: NamespaceType): 'PERSON' | 'DEVICE' | 'COOKIE' {
  switch (type) {
    case 'CROSS_DEVICE':
    case 'EMAIL':
    case 'PHONE':
      return 'PERSON';
    case 'DEVICE':
      return 'DEVICE';
    case 'COOKIE':
      return 'COOKIE';
  }
}

const LAYER_RANK = { PERSON: 0, DEVICE: 1, COOKIE: 2 } as const;

export class GraphConfigError extends Error {
  readonly code = 'INVALID_GRAPH_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = GraphConfigError.name;
  }
}

/** A validated sandbox namespace configuration; build it once with {@link defineGraphConfig}. */
export class GraphConfig {
  private readonly byCode: ReadonlyMap<string, NamespaceConfig>;

  constructor(
    readonly namespaces: readonly NamespaceConfig[],
    readonly limits: Readonly<GraphLimits>,
  ) {
    this.byCode = new Map(namespaces.map((ns) => [ns.code, ns]));
  }

  namespace(code: string): NamespaceConfig | undefined {
    return this.byCode.get(code);
  }
}

export function defineGraphConfig(input: GraphConfigInput): GraphConfig {
  const namespaces = input.namespaces.map((ns) => Object.freeze({ ...ns }));
  const seen = new Set<string>();
  for (const ns of namespaces) {
    if (typeof ns.code !== 'string' || ns.code.trim() === '') {
      throw new GraphConfigError('namespaces[].code must be a non-empty string');
    }
    if (seen.has(ns.code)) throw new GraphConfigError(`namespace ${ns.code} is declared twice`);
    seen.add(ns.code);
    if (!NAMESPACE_TYPES.includes(ns.type)) {
      throw new GraphConfigError(
        `namespace ${ns.code}: type must be one of ${NAMESPACE_TYPES.join(', ')}, got ${String(ns.type)}`,
      );
    }
    if (!Number.isInteger(ns.priority) || ns.priority < 1) {
      throw new GraphConfigError(
        `namespace ${ns.code}: priority must be an integer >= 1, got ${ns.priority}`,
      );
    }
    if (typeof ns.unique !== 'boolean') {
      throw new GraphConfigError(`namespace ${ns.code}: unique must be a boolean`);
    }
  }
  for (const higher of namespaces) {
    for (const lower of namespaces) {
      const h = LAYER_RANK[namespaceLayer(higher.type)];
      const l = LAYER_RANK[namespaceLayer(lower.type)];
      if (h < l && higher.priority >= lower.priority) {
        throw new GraphConfigError(
          `namespace ${higher.code} (${higher.type}) must have a higher priority (lower number) than ` +
            `${lower.code} (${lower.type}): person namespaces rank above devices, devices above cookies`,
        );
      }
    }
  }

  const limits = { ...DEFAULT_GRAPH_LIMITS, ...input.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new GraphConfigError(`limits.${name} must be a positive integer, got ${value}`);
    }
  }
  // Identities carried by the record are never evicted, so a record must always fit in a graph.
  if (limits.maxIdentitiesPerGraph < limits.maxIdentitiesPerRecord) {
    throw new GraphConfigError(
      `limits.maxIdentitiesPerGraph (${limits.maxIdentitiesPerGraph}) must be at least ` +
        `limits.maxIdentitiesPerRecord (${limits.maxIdentitiesPerRecord})`,
    );
  }
  return new GraphConfig(Object.freeze(namespaces), Object.freeze(limits));
}
