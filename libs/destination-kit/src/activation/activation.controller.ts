import { Controller, type Type } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumedMessage, TopicContract } from '@weft/messaging';
import { topics, type ProfileChanged, type SegmentMembership } from '@weft/xdm';
import { DeliveryScheduler } from '../delivery/delivery-scheduler.service';
import { ActivationService } from './activation.service';

/** The topics a connector reads: the catalog's, unless a test or benchmark isolates itself on its own. */
export interface ActivationTopics {
  readonly segmentMembership: TopicContract<SegmentMembership>;
  readonly profileChanged: TopicContract<ProfileChanged>;
}

export const catalogActivationTopics: ActivationTopics = {
  segmentMembership: topics.segmentMembership as TopicContract<SegmentMembership>,
  profileChanged: topics.profileChanged as TopicContract<ProfileChanged>,
};

/**
 * Kafka edge: each batch is written to the outbox in one transaction, then committed by the transport; delivery
 * workers are woken for the connections that got work. Nothing here waits on an endpoint.
 */
export function activationController(names: ActivationTopics): Type<unknown> {
  @Controller()
  class ActivationController {
    constructor(
      readonly activation: ActivationService,
      readonly scheduler: DeliveryScheduler,
    ) {}

    @EventPattern(names.segmentMembership.name)
    async memberships(@Payload() batch: ConsumedMessage<SegmentMembership>[]): Promise<void> {
      this.scheduler.notify(await this.activation.onMemberships(batch.map((m) => m.data)));
    }

    @EventPattern(names.profileChanged.name)
    async profiles(@Payload() batch: ConsumedMessage<ProfileChanged>[]): Promise<void> {
      this.scheduler.notify(await this.activation.onProfiles(batch.map((m) => m.data)));
    }
  }
  return ActivationController;
}
