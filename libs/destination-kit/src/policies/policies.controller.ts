import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { openApiSchema } from '../http/validation';
import { policyCreateSchema, policyPatchSchema, type PolicyView } from './policy.dto';
import { PoliciesService } from './policies.service';

@ApiTags('policies')
@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get()
  @ApiOperation({ summary: 'Data-usage policies: core ones (disabled until enabled) and custom ones' })
  async list(): Promise<{ items: PolicyView[] }> {
    return { items: await this.policies.list() };
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<PolicyView> {
    return this.policies.get(id);
  }

  @Post()
  @ApiOperation({ summary: 'Create a custom policy: labels that forbid a marketing action' })
  @ApiBody({ schema: openApiSchema(policyCreateSchema) })
  create(@Body() body: unknown): Promise<PolicyView> {
    return this.policies.create(body);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Enable or disable a policy (custom policies can also change name, labels and operator)' })
  @ApiBody({ schema: openApiSchema(policyPatchSchema) })
  update(@Param('id') id: string, @Body() body: unknown): Promise<PolicyView> {
    return this.policies.update(id, body);
  }
}
