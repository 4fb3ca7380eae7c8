import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query, DefaultValuePipe } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { openApiSchema } from '../http/validation';
import { RunsService, type DeliveryLogView, type RunView } from '../runs/runs.service';
import { dataflowPatchSchema, dataflowSchema, type DataflowView } from './dataflow.dto';
import { DataflowsService } from './dataflows.service';

@ApiTags('dataflows')
@Controller('v1/dataflows')
export class DataflowsController {
  constructor(
    private readonly dataflows: DataflowsService,
    private readonly runs: RunsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Activate audiences to a connection',
    description: 'Refused with 422 `policy_violation` (each field, label, policy and action) when a mapped field breaks an enabled policy.',
  })
  @ApiBody({ schema: openApiSchema(dataflowSchema) })
  create(@Body() body: unknown): Promise<DataflowView> {
    return this.dataflows.create(body);
  }

  @Get()
  async list(): Promise<{ items: DataflowView[] }> {
    return { items: await this.dataflows.list() };
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<DataflowView> {
    return this.dataflows.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a dataflow (policies are checked again)' })
  @ApiBody({ schema: openApiSchema(dataflowPatchSchema) })
  update(@Param('id') id: string, @Body() body: unknown): Promise<DataflowView> {
    return this.dataflows.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id') id: string): Promise<void> {
    return this.dataflows.remove(id);
  }

  @Get(':id/runs')
  @ApiOperation({ summary: 'Hourly runs: profiles received, sent, excluded (by reason) and failed' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  async listRuns(
    @Param('id') id: string,
    @Query('limit', new DefaultValuePipe(48), ParseIntPipe) limit: number,
  ): Promise<{ items: RunView[] }> {
    return { items: await this.runs.list(id, limit) };
  }

  @Get(':id/runs/:runId')
  @ApiOperation({ summary: 'One run with its delivery log' })
  getRun(@Param('id') id: string, @Param('runId') runId: string): Promise<RunView & { deliveries: DeliveryLogView[] }> {
    return this.runs.get(id, runId);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Delivery log: each request with its attempts, newest first' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  async deliveries(
    @Param('id') id: string,
    @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number,
  ): Promise<{ items: DeliveryLogView[] }> {
    return { items: await this.runs.deliveries(id, limit) };
  }
}
