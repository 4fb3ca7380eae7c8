import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumedMessage } from '@weft/messaging';
import { topics, type ProfileChanged, type SegmentMembership } from '@weft/xdm';
import { DeliveryScheduler } from '../delivery/delivery-scheduler.service';
import { ActivationService } from './activation.service';

/**
 * Kafka edge: each batch is written to the outbox in one transaction, then committed by the transport; delivery
 * workers are woken for the connections that got work. Nothing here waits on an endpoint.
 */
@Controller()
export class ActivationController {
  constructor(
    private readonly activation: ActivationService,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  @EventPattern(topics.segmentMembership.name)
  async memberships(@Payload() batch: ConsumedMessage<SegmentMembership>[]): Promise<void> {
    this.scheduler.notify(await this.activation.onMemberships(batch.map((m) => m.data)));
  }

  @EventPattern(topics.profileChanged.name)
  async profiles(@Payload() batch: ConsumedMessage<ProfileChanged>[]): Promise<void> {
    this.scheduler.notify(await this.activation.onProfiles(batch.map((m) => m.data)));
  }
}
