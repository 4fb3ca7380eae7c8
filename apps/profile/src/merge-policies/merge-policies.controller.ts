import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { validate } from '../http/validate';
import {
  createMergePolicySchema,
  CreateMergePolicyDto,
  MergePolicyDto,
  toMergePolicyDto,
  updateMergePolicySchema,
  UpdateMergePolicyDto,
} from './merge-policy.dto';
import { MergePoliciesService } from './merge-policies.service';

@ApiTags('merge policies')
@Controller('v1/merge-policies')
export class MergePoliciesController {
  constructor(private readonly policies: MergePoliciesService) {}

  @Post()
  @ApiBody({ type: CreateMergePolicyDto })
  @ApiOkResponse({ type: MergePolicyDto })
  async create(@Body() body: unknown): Promise<MergePolicyDto> {
    return toMergePolicyDto(await this.policies.create(validate(createMergePolicySchema, body)));
  }

  @Get()
  @ApiOkResponse({ type: [MergePolicyDto] })
  async list(): Promise<{ items: MergePolicyDto[] }> {
    return { items: (await this.policies.list()).map(toMergePolicyDto) };
  }

  @Get(':id')
  @ApiOkResponse({ type: MergePolicyDto })
  async get(@Param('id') id: string): Promise<MergePolicyDto> {
    return toMergePolicyDto(await this.policies.get(id));
  }

  @Patch(':id')
  @ApiBody({ type: UpdateMergePolicyDto })
  @ApiOkResponse({ type: MergePolicyDto })
  async update(@Param('id') id: string, @Body() body: unknown): Promise<MergePolicyDto> {
    return toMergePolicyDto(await this.policies.update(id, validate(updateMergePolicySchema, body)));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.policies.delete(id);
  }
}
