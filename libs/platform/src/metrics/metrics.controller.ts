import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { collectDefaultMetrics, register } from 'prom-client';

let defaultsCollected = false;

/** Prometheus text exposition of the process's registry (messaging, HTTP and Node metrics). */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor() {
    if (!defaultsCollected) {
      collectDefaultMetrics();
      defaultsCollected = true;
    }
  }

  @Get()
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply.header('content-type', register.contentType).send(await register.metrics());
  }
}
