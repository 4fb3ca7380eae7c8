import { Body, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import { isTrue, parseVersionRef, SchemaRequest, type CompatibilityResponse } from './registry.dto';
import { RegistryController } from './registry-http';
import { RegistryService } from './registry.service';

/** Dry-run of the compatibility check a registration would make. */
@RegistryController('compatibility')
export class CompatibilityController {
  constructor(private readonly registry: RegistryService) {}

  @Post('compatibility/subjects/:subject/versions/:version')
  @HttpCode(200)
  @ApiOperation({ summary: 'Whether a schema is compatible with a version ("latest": with the history the level looks at)' })
  @ApiQuery({ name: 'verbose', required: false, type: Boolean })
  check(
    @Param('subject') subject: string,
    @Param('version') version: string,
    @Body() body: SchemaRequest,
    @Query('verbose') verbose?: string,
  ): Promise<CompatibilityResponse> {
    return this.registry.checkCompatibility(subject, parseVersionRef(version), body, isTrue(verbose));
  }
}
