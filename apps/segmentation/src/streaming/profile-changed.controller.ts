import { Controller, type Type } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ConsumedMessage } from '@weft/messaging';
import type { ProfileChanged } from '@weft/xdm';
import { StreamingService } from './streaming.service';

/** The Kafka handler of the profile change feed, bound to the topic the service is configured to read. */
export function profileChangedController(topic: string): Type<unknown> {
  @Controller()
  class ProfileChangedController {
    constructor(private readonly streaming: StreamingService) {}

    @EventPattern(topic)
    async handle(@Payload() batch: ConsumedMessage<ProfileChanged>[]): Promise<void> {
      await this.streaming.apply(batch.map((m) => m.data));
    }
  }
  return ProfileChangedController;
}
