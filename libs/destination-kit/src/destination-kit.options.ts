import type { Type } from '@nestjs/common';
import type { z } from 'zod';
import type { DeliverySettings } from './delivery/connection-worker';
import type { DeliveryOutcome, DeliveryRequest } from './delivery/delivery';
import type { DataflowSchedule } from './dataflows/dataflow.entity';

/** A connection as the transport sees it: credentials opened, for sending only. */
export interface ResolvedConnection<S = Record<string, unknown>, C = Record<string, unknown>> {
  id: string;
  type: string;
  name: string;
  endpoint: string;
  settings: S;
  credentials: C | undefined;
  delivery: DeliverySettings;
}

/** What a connector app supplies: how to send one delivery to its kind of endpoint. */
export interface DestinationTransport<S = Record<string, unknown>, C = Record<string, unknown>> {
  send(connection: ResolvedConnection<S, C>, request: DeliveryRequest): Promise<DeliveryOutcome>;
  /** Drops per-connection state (pools, cached tokens) when a connection changes or goes away. */
  release?(connectionId: string): void | Promise<void>;
}

export interface ConnectionProblem {
  path: string;
  message: string;
}

export interface DestinationKitOptions<S = Record<string, unknown>, C = Record<string, unknown>> {
  /** The connector's type; connections of other types are refused. */
  type: string;
  transport: Type<DestinationTransport<S, C>>;
  /** Non-secret connection settings; returned by the API. */
  settingsSchema: z.ZodType<S>;
  /** Secret connection settings; stored sealed, never returned or logged. */
  credentialsSchema: z.ZodType<C>;
  /** Rules across settings and credentials (e.g. bearer auth needs a token). */
  checkConnection?: (settings: S, credentials: C | undefined) => ConnectionProblem[];
  /** Schedules the connector supports (default: streaming only). */
  scheduleModes?: DataflowSchedule['mode'][];
}

export const DESTINATION_KIT_OPTIONS = Symbol('WEFT_DESTINATION_KIT_OPTIONS');
export const DESTINATION_TRANSPORT = Symbol('WEFT_DESTINATION_TRANSPORT');
