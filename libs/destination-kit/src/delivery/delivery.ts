/** One profile document waiting in the outbox, for one dataflow of the connection. */
export interface DeliveryItem {
  dataflowId: string;
  profileId: string;
  /** The profile document as JSON text (kept as text end to end: no re-encoding on the hot path). */
  document: string;
  /** When the item was enqueued (epoch ms), for latency. */
  enqueuedAt: number;
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
  /** Profile documents, each a JSON text. */
  documents: string[];
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
   * Groups up to `max` waiting items into a new delivery when `max` are waiting or the oldest has waited `maxWaitMs`;
   * otherwise says how long until the oldest is due (`null` when nothing waits).
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
