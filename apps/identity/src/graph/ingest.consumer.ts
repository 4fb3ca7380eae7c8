import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumedMessage } from '@weft/messaging';
import { topics, type IngestEnvelope } from '@weft/xdm';
import { IdentityResolverService } from './identity-resolver.service';

/** weft.ingest.accepted.v1 → identity graph → weft.identity.graph.v1 and weft.identity.resolved.v1. */
@Controller()
export class IngestConsumer {
  constructor(private readonly resolver: IdentityResolverService) {}

  @EventPattern(topics.ingestAccepted.name)
  async handle(@Payload() batch: ConsumedMessage<IngestEnvelope>[]): Promise<void> {
    await this.resolver.handle(batch.map((m) => m.data));
  }
}
