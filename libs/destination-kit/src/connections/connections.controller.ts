import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataflowRegistry } from '../dataflows/dataflow-registry';
import { DeliveryScheduler } from '../delivery/delivery-scheduler.service';
import { openApiSchema } from '../http/validation';
import { connectionBaseSchema, type ConnectionView } from './connection.dto';
import { ConnectionsService } from './connections.service';

@ApiTags('connections')
@Controller('v1/connections')
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly scheduler: DeliveryScheduler,
    private readonly registry: DataflowRegistry,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a connection (credentials are stored encrypted and never returned)' })
  @ApiBody({ schema: openApiSchema(connectionBaseSchema) })
  async create(@Body() body: unknown): Promise<ConnectionView> {
    const view = await this.connections.create(body);
    await this.scheduler.refresh(view.id);
    return view;
  }

  @Get()
  @ApiOperation({ summary: 'List connections' })
  async list(): Promise<{ items: ConnectionView[] }> {
    return { items: await this.connections.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A connection, without its credentials' })
  get(@Param('id') id: string): Promise<ConnectionView> {
    return this.connections.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a connection; credentials given replace the stored ones, null removes them' })
  @ApiBody({ schema: openApiSchema(connectionBaseSchema.partial()) })
  async update(@Param('id') id: string, @Body() body: unknown): Promise<ConnectionView> {
    const view = await this.connections.update(id, body);
    await Promise.all([this.scheduler.refresh(id), this.registry.reload()]);
    return view;
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a connection that no dataflow uses' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.connections.remove(id);
    await this.scheduler.refresh(id);
  }
}
