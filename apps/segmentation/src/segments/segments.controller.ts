import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { parseInput } from '../common/validation';
import {
  CreateSegmentDto,
  createSegmentSchema,
  PreviewDto,
  SegmentDto,
  toSegmentDto,
  UpdateSegmentDto,
  updateSegmentSchema,
} from './segment.dto';
import { SegmentPreviewService } from './segment-preview.service';
import { SegmentsService } from './segments.service';

@ApiTags('segments')
@Controller('v1/segments')
export class SegmentsController {
  constructor(
    private readonly segments: SegmentsService,
    private readonly previews: SegmentPreviewService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Define a segment',
    description:
      'The expression is parsed on save (400 with line and column when it cannot be read); inSegment references must name ' +
      'existing segments and must not form a cycle (409). The evaluation method is assigned from the expression.',
  })
  @ApiBody({ type: CreateSegmentDto })
  @ApiCreatedResponse({ type: SegmentDto })
  async create(@Body() body: unknown): Promise<SegmentDto> {
    const { entity, order } = await this.segments.create(parseInput(createSegmentSchema, body));
    return toSegmentDto(entity, order);
  }

  @Get()
  @ApiOperation({ summary: 'Every segment, in evaluation order (referenced segments first)' })
  @ApiOkResponse({ type: [SegmentDto] })
  async list(): Promise<SegmentDto[]> {
    return (await this.segments.list()).map(({ entity, order }) => toSegmentDto(entity, order));
  }

  @Get(':id')
  @ApiOkResponse({ type: SegmentDto })
  async get(@Param('id') id: string): Promise<SegmentDto> {
    const { entity, order } = await this.segments.get(id);
    return toSegmentDto(entity, order);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a segment (validated as on create)' })
  @ApiBody({ type: UpdateSegmentDto })
  @ApiOkResponse({ type: SegmentDto })
  async update(@Param('id') id: string, @Body() body: unknown): Promise<SegmentDto> {
    const { entity, order } = await this.segments.update(id, parseInput(updateSegmentSchema, body));
    return toSegmentDto(entity, order);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a segment (409 while other segments reference it); the next batch job exits its members' })
  @ApiNoContentResponse()
  async remove(@Param('id') id: string): Promise<void> {
    await this.segments.remove(id);
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Estimated size and a sample of qualifying profiles, from a random sample of the profile store' })
  @ApiOkResponse({ type: PreviewDto })
  preview(@Param('id') id: string): Promise<PreviewDto> {
    return this.previews.preview(id);
  }
}
