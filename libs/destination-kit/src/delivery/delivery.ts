/**
 * Profile documents waiting in the outbox for one dataflow of the connection, written together by one Kafka batch
 * (at most the connection's `maxBatchProfiles`): the outbox stores, claims and deletes documents by these groups, not
 * one row per profile.
 */
export interface DeliveryItem {
  dataflowId: string;
  profileIds: string[];
  /** The profile documents as one JSON array text, in profile order (kept as text end to end). */
  documents: string;
  /** When the item was enqueued (epoch ms), for latency. */
  enqueuedAt: number;
}

/** One profile of a dead-lettered delivery, as the dead-letter store keeps and shows it. */
export interface DeadLetterItem {
  dataflowId: string;
  profileId: string;
  /** The profile document as JSON text. */
  document: string;
  enqueuedAt: number;
}

/** Profiles in a delivery. */
export function profileCount(items: readonly DeliveryItem[]): number {
  let n = 0;
  for (const item of items) n += item.profileIds.length;
  return n;
}

/** Concatenates JSON array texts into one JSON array text, without parsing them. */
export function joinJsonArrays(arrays: readonly string[]): string {
  if (arrays.length === 1) return arrays[0];
  const parts: string[] = [];
  for (const a of arrays) {
    const inner = a.slice(a.indexOf('[') + 1, a.lastIndexOf(']')).trim();
    if (inner) parts.push(inner);
  }
  return `[${parts.join(',')}]`;
}

/** Items grouped for one request. Its id is the idempotency key: it never changes across retries and replays. */
export interface ClaimedDelivery {
  id: string;
  connectionId: string;
  items: DeliveryItem[];
  /** Attempts made before this claim (non-zero after a crash or a replay). */
  attempts: number;
}

export interface DeliveryRequest {
  deliveryId: string;
  /** The profile documents as one JSON array text. */
  body: string;
  /** Profiles in `body`. */
  profiles: number;
  /** 1-based. */
  attempt: number;
}

export type DeliveryOutcome =
  | { kind: 'delivered'; status?: number }
  | { kind: 'retry'; status?: number; error: string; retryAfterMs?: number }
  | { kind: 'failed'; status?: number; error: string };

export interface AttemptRecord {
  at: string;
  outcome: DeliveryOutcome['kind'];
  status?: number;
  error?: string;
  durationMs: number;
}

export interface DeliveryReport {
  attempts: number;
  status?: number;
  error?: string;
  log: AttemptRecord[];
}

export type ClaimResult = { delivery: ClaimedDelivery } | { waitMs: number | null };

/** Durable side of delivery (the Postgres outbox in the Nest module; an in-memory fake in unit tests). */
export interface DeliveryStore {
  /**
   * Groups waiting items of up to `max` profiles in all (at least one item) into a new delivery when `max` profiles
   * are waiting or the oldest item has waited `maxWaitMs`; otherwise says how long until the oldest is due (`null` when
   * nothing waits).
   */
  claimBatch(connectionId: string, max: number, maxWaitMs: number, leaseMs: number): Promise<ClaimResult>;
  /** A delivery whose lease ran out (its worker died, or it was replayed), taken over with the same id. */
  claimExpired(connectionId: string, leaseMs: number): Promise<ClaimedDelivery | null>;
  /** Persists the attempt count and extends the lease before a retry. */
  recordAttempt(deliveryId: string, attempts: number, leaseMs: number): Promise<void>;
  /** Gives a delivery back (worker stopping) so another worker can take it at once. */
  release(deliveryId: string): Promise<void>;
  complete(delivery: ClaimedDelivery, report: DeliveryReport): Promise<void>;
  deadLetter(delivery: ClaimedDelivery, report: DeliveryReport): Promise<void>;
}
