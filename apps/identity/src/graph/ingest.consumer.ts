import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumedMessage } from '@weft/messaging';
import { topics, type IngestEnvelope } from '@weft/xdm';
import { IdentityResolverService } from './identity-resolver.service';

/**
 * How the service consumes weft.ingest.accepted.v1. Partitions are resolved side by side: the graph store locks
 * identities and graphs itself (see postgres-graph-store.ts), exactly as when several instances consume different
 * partitions. Batches of 2,000 spread each statement's fixed cost (round trip, planning, executor start) over twice
 * as many envelopes as the default 1,000; the graph store splits the linking transaction of a large batch itself.
 */
export const INGEST_CONSUMPTION = { maxBatchSize: 2_000, partitionsConsumedConcurrently: 3 } as const;

/** weft.ingest.accepted.v1 → identity graph → weft.identity.graph.v1 and weft.identity.resolved.v1. */
@Controller()
export class IngestConsumer {
  constructor(private readonly resolver: IdentityResolverService) {}

  @EventPattern(topics.ingestAccepted.name)
  async handle(@Payload() batch: ConsumedMessage<IngestEnvelope>[]): Promise<void> {
    await this.resolver.handle(batch.map((m) => m.data));
  }
}
