import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { parseBody } from '../http/parse-body';
import { toAvroSchema } from './avro-schema';
import { createFieldGroupBody, createSchemaBody, patchSchemaBody } from './xdm-schema.dto';
import { XdmSchemasService, type LoadedSchema } from './xdm-schemas.service';

@ApiTags('schemas')
@Controller('v1')
export class XdmSchemasController {
  constructor(private readonly schemas: XdmSchemasService) {}

  @Post('schemas')
  @ApiOperation({ summary: 'Create an XDM schema: a class, field groups and custom fields under the tenant namespace' })
  async create(@Body() body: unknown) {
    return view(await this.schemas.create(parseBody(createSchemaBody, body)));
  }

  @Get('schemas')
  @ApiOperation({ summary: 'List schemas' })
  async list() {
    const rows = await this.schemas.list();
    return { schemas: rows.map((e) => ({ id: e.id, title: e.title, class: e.class, version: e.version, strict: e.strict, fieldGroups: e.fieldGroups })) };
  }

  @Get('schemas/:id')
  @ApiOperation({ summary: 'A schema with its JSON Schema, Avro form, identity fields and data-usage labels' })
  async get(@Param('id') id: string) {
    return view(await this.schemas.get(id));
  }

  @Patch('schemas/:id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add field groups or optional fields (any other change is refused with the reason)' })
  async patch(@Param('id') id: string, @Body() body: unknown) {
    return view(await this.schemas.update(id, parseBody(patchSchemaBody, body)));
  }

  @Get('fieldgroups')
  @ApiOperation({ summary: 'Standard and custom field groups' })
  async fieldGroups() {
    return { fieldGroups: await this.schemas.listFieldGroups() };
  }

  @Post('fieldgroups')
  @ApiOperation({ summary: 'Create a custom field group (fields under the tenant namespace)' })
  async createFieldGroup(@Body() body: unknown) {
    return this.schemas.createFieldGroup(parseBody(createFieldGroupBody, body));
  }
}

function view({ entity, compiled }: LoadedSchema) {
  return {
    id: entity.id,
    title: entity.title,
    class: entity.class,
    version: entity.version,
    strict: entity.strict,
    fieldGroups: entity.fieldGroups,
    customFields: entity.customFields,
    identityFields: compiled.identityFields,
    labels: compiled.labels,
    jsonSchema: compiled.jsonSchema,
    avro: { subject: entity.avroSubject, schemaId: entity.avroSchemaId, schema: toAvroSchema(compiled.definition, compiled.root) },
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}
