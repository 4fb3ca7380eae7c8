import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import { isTrue, parseVersionRef, SchemaRequest, type SubjectVersionResponse } from './registry.dto';
import { RegistryController } from './registry-http';
import { RegistryService } from './registry.service';

/** Subjects and their versions: registration, lookup and (soft, then permanent) deletion. */
@RegistryController('subjects')
export class SubjectsController {
  constructor(private readonly registry: RegistryService) {}

  @Get('subjects')
  @ApiOperation({ summary: 'Subjects with at least one live version' })
  @ApiQuery({ name: 'deleted', required: false, type: Boolean })
  subjects(@Query('deleted') deleted?: string): Promise<string[]> {
    return this.registry.subjects(isTrue(deleted));
  }

  @Get('subjects/:subject/versions')
  @ApiOperation({ summary: 'Version numbers of a subject' })
  @ApiQuery({ name: 'deleted', required: false, type: Boolean })
  versions(@Param('subject') subject: string, @Query('deleted') deleted?: string): Promise<number[]> {
    return this.registry.versions(subject, isTrue(deleted));
  }

  @Get('subjects/:subject/versions/:version')
  @ApiOperation({ summary: 'One version (a number or "latest") of a subject' })
  @ApiQuery({ name: 'deleted', required: false, type: Boolean })
  version(
    @Param('subject') subject: string,
    @Param('version') version: string,
    @Query('deleted') deleted?: string,
  ): Promise<SubjectVersionResponse> {
    return this.registry.version(subject, parseVersionRef(version), isTrue(deleted));
  }

  @Get('subjects/:subject/versions/:version/schema')
  @ApiOperation({ summary: 'Only the schema of one version, as JSON' })
  async versionSchema(@Param('subject') subject: string, @Param('version') version: string): Promise<unknown> {
    const found = await this.registry.version(subject, parseVersionRef(version), false);
    return JSON.parse(found.schema);
  }

  @Post('subjects/:subject/versions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Register a schema under a subject (returns the existing id when it is already there)' })
  register(@Param('subject') subject: string, @Body() body: SchemaRequest): Promise<{ id: number }> {
    return this.registry.register(subject, body);
  }

  @Post('subjects/:subject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Find the version of a subject that holds a schema' })
  @ApiQuery({ name: 'deleted', required: false, type: Boolean })
  lookup(@Param('subject') subject: string, @Body() body: SchemaRequest, @Query('deleted') deleted?: string): Promise<SubjectVersionResponse> {
    return this.registry.lookup(subject, body, isTrue(deleted));
  }

  @Delete('subjects/:subject')
  @ApiOperation({ summary: 'Soft-delete a subject; with permanent=true, remove a soft-deleted one' })
  @ApiQuery({ name: 'permanent', required: false, type: Boolean })
  deleteSubject(@Param('subject') subject: string, @Query('permanent') permanent?: string): Promise<number[]> {
    return this.registry.deleteSubject(subject, isTrue(permanent));
  }

  @Delete('subjects/:subject/versions/:version')
  @ApiOperation({ summary: 'Soft-delete a version; with permanent=true, remove a soft-deleted one' })
  @ApiQuery({ name: 'permanent', required: false, type: Boolean })
  deleteVersion(
    @Param('subject') subject: string,
    @Param('version') version: string,
    @Query('permanent') permanent?: string,
  ): Promise<number> {
    return this.registry.deleteVersion(subject, parseVersionRef(version), isTrue(permanent));
  }
}
