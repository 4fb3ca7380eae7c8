import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { validate } from '../http/validate';
import { RetentionService, type RetentionRun } from './retention.service';

const setRetentionSchema = z.object({ ttlDays: z.number().int().min(1).max(36_500) }).strict();

@ApiTags('retention')
@Controller('v1/retention')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Get()
  list() {
    return this.retention.list();
  }

  /** Sets how many days a dataset's experience events are kept. */
  @Put('datasets/:datasetId')
  async set(@Param('datasetId') datasetId: string, @Body() body: unknown): Promise<{ datasetId: string; ttlDays: number }> {
    const { ttlDays } = validate(setRetentionSchema, body);
    await this.retention.set(datasetId, ttlDays);
    return { datasetId, ttlDays };
  }

  /** Applies retention now (it also runs every RETENTION_INTERVAL_MINUTES). */
  @Post('run')
  @HttpCode(200)
  run(): Promise<RetentionRun> {
    return this.retention.run();
  }
}
