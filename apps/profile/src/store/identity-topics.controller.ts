import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumedMessage } from '@weft/messaging';
import { topics, type GraphChange, type ResolvedEnvelope } from '@weft/xdm';
import { ProfileStore } from './profile-store.service';

/** Kafka edge of the store: identity's resolved documents and graph changes. */
@Controller()
export class IdentityTopicsController {
  constructor(private readonly store: ProfileStore) {}

  @EventPattern(topics.identityResolved.name)
  async resolved(@Payload() batch: ConsumedMessage<ResolvedEnvelope>[]): Promise<void> {
    await this.store.applyResolved(batch.map((m) => m.data));
  }

  @EventPattern(topics.identityGraph.name)
  async graph(@Payload() batch: ConsumedMessage<GraphChange>[]): Promise<void> {
    await this.store.applyGraphChanges(batch.map((m) => m.data));
  }
}
