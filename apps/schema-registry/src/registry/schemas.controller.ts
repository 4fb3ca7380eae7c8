import { Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import { isTrue, type SchemaByIdResponse } from './registry.dto';
import { RegistryErrors } from './registry-errors';
import { RegistryController } from './registry-http';
import { RegistryService } from './registry.service';

/** Schemas by global id: what a consumer looks up for the id in a message's wire header. */
@RegistryController('schemas')
export class SchemasController {
  constructor(private readonly registry: RegistryService) {}

  @Get('schemas/ids/:id')
  @ApiOperation({ summary: 'The schema with this global id' })
  schema(@Param('id') id: string): Promise<SchemaByIdResponse> {
    return this.registry.schemaById(parseSchemaId(id));
  }

  @Get('schemas/ids/:id/versions')
  @ApiOperation({ summary: 'The subject versions that hold this schema' })
  @ApiQuery({ name: 'deleted', required: false, type: Boolean })
  versions(@Param('id') id: string, @Query('deleted') deleted?: string): Promise<{ subject: string; version: number }[]> {
    return this.registry.subjectVersionsOfSchema(parseSchemaId(id), isTrue(deleted));
  }
}

function parseSchemaId(raw: string): number {
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1 || id > 2 ** 31 - 1) throw RegistryErrors.schemaNotFound();
  return id;
}
