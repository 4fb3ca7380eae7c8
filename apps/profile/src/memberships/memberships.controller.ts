import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumedMessage } from '@weft/messaging';
import { topics, type SegmentMembership } from '@weft/xdm';
import { MembershipsService } from './memberships.service';

@Controller()
export class MembershipsController {
  constructor(private readonly memberships: MembershipsService) {}

  @EventPattern(topics.segmentMembership.name)
  async handle(@Payload() batch: ConsumedMessage<SegmentMembership>[]): Promise<void> {
    await this.memberships.apply(batch.map((m) => m.data));
  }
}
