import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { parseInput } from '../common/validation';
import type { SegmentJobEntity } from './segment-job.entity';
import { SegmentJobsService } from './segment-jobs.service';

class SegmentJobDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['manual', 'schedule'] }) trigger!: string;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed'] }) status!: string;
  @ApiProperty() segmentCount!: number;
  @ApiProperty({ description: 'Eligible profiles when the job started' }) totalProfiles!: number;
  @ApiProperty() processedProfiles!: number;
  @ApiProperty({ description: 'processedProfiles / totalProfiles, 0..1' }) progress!: number;
  @ApiProperty({ description: 'Profiles that entered a segment' }) realized!: number;
  @ApiProperty({ description: 'Profiles that left a segment' }) exited!: number;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishedAt!: string | null;
}

function toDto(job: SegmentJobEntity): SegmentJobDto {
  const finished = job.status === 'succeeded';
  return {
    id: job.id,
    trigger: job.trigger,
    status: job.status,
    segmentCount: job.segmentCount,
    totalProfiles: job.totalProfiles,
    processedProfiles: job.processedProfiles,
    progress: finished ? 1 : job.totalProfiles ? Math.min(1, job.processedProfiles / job.totalProfiles) : 0,
    realized: job.realized,
    exited: job.exited,
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

@ApiTags('segment-jobs')
@Controller('v1/segment-jobs')
export class SegmentJobsController {
  constructor(private readonly jobs: SegmentJobsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Evaluate every segment over every profile now (queued behind a running job)' })
  @ApiAcceptedResponse({ type: SegmentJobDto })
  async start(): Promise<SegmentJobDto> {
    return toDto((await this.jobs.start('manual')).job);
  }

  @Get()
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: [SegmentJobDto] })
  async list(@Query() query: unknown): Promise<SegmentJobDto[]> {
    const { limit } = parseInput(z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }), query, 'query');
    return (await this.jobs.list(limit)).map(toDto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A job with its progress' })
  @ApiOkResponse({ type: SegmentJobDto })
  async get(@Param('id') id: string): Promise<SegmentJobDto> {
    return toDto(await this.jobs.get(id));
  }
}
