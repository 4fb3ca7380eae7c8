import { Body, Delete, Get, Param, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import type { CompatibilityLevel } from '../avro/compatibility';
import { ConfigUpdateRequest, isTrue, type ConfigResponse } from './registry.dto';
import { RegistryController } from './registry-http';
import { RegistryService } from './registry.service';

/** Compatibility levels: global, and per subject (which wins when set). */
@RegistryController('config')
export class ConfigController {
  constructor(private readonly registry: RegistryService) {}

  @Get('config')
  @ApiOperation({ summary: 'The global compatibility level' })
  global(): Promise<ConfigResponse> {
    return this.registry.globalConfig();
  }

  @Put('config')
  @ApiOperation({ summary: 'Set the global compatibility level' })
  setGlobal(@Body() body: ConfigUpdateRequest | undefined): Promise<{ compatibility: CompatibilityLevel }> {
    return this.registry.setConfig(undefined, body?.compatibility);
  }

  @Get('config/:subject')
  @ApiOperation({ summary: "A subject's own compatibility level (40408 when it has none, unless defaultToGlobal=true)" })
  @ApiQuery({ name: 'defaultToGlobal', required: false, type: Boolean })
  subject(@Param('subject') subject: string, @Query('defaultToGlobal') defaultToGlobal?: string): Promise<ConfigResponse> {
    return this.registry.subjectConfig(subject, isTrue(defaultToGlobal));
  }

  @Put('config/:subject')
  @ApiOperation({ summary: "Set a subject's compatibility level" })
  setSubject(@Param('subject') subject: string, @Body() body: ConfigUpdateRequest | undefined): Promise<{ compatibility: CompatibilityLevel }> {
    return this.registry.setConfig(subject, body?.compatibility);
  }

  @Delete('config/:subject')
  @ApiOperation({ summary: "Remove a subject's own level, so the global one applies" })
  deleteSubject(@Param('subject') subject: string): Promise<ConfigResponse> {
    return this.registry.deleteConfig(subject);
  }
}
