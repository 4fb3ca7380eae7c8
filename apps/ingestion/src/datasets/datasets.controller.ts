import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { parseBody } from '../http/parse-body';
import { createDatasetBody } from './dataset.dto';
import { DatasetsService } from './datasets.service';

@ApiTags('datasets')
@Controller('v1/datasets')
export class DatasetsController {
  constructor(private readonly datasets: DatasetsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a dataset bound to one schema' })
  create(@Body() body: unknown) {
    return this.datasets.create(parseBody(createDatasetBody, body));
  }

  @Get()
  @ApiOperation({ summary: 'List datasets' })
  async list() {
    return { datasets: await this.datasets.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A dataset' })
  get(@Param('id') id: string) {
    return this.datasets.get(id);
  }
}
