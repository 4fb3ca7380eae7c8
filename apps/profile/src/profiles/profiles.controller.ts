import { Controller, Get, Header, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { validate } from '../http/validate';
import { eventsQuerySchema, exportQuerySchema, lookupQuerySchema, profileQuerySchema, ProfileDto, ProfileEventsPageDto, FragmentDto } from './profile.dto';
import { ProfilesService } from './profiles.service';

/** Profiles are answered as JSON text rendered by the service (see ProfilesService), sent as is. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

@ApiTags('profiles')
@Controller('v1/profiles')
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @Get()
  @ApiQuery({ name: 'namespace', example: 'Email' })
  @ApiQuery({ name: 'id', example: 'ada@example.com' })
  @ApiQuery({ name: 'mergePolicyId', required: false })
  @ApiOkResponse({ type: ProfileDto })
  @Header('content-type', JSON_CONTENT_TYPE)
  lookup(@Query() query: unknown): Promise<string> {
    const { namespace, id, mergePolicyId } = validate(lookupQuerySchema, query, 'query');
    return this.profiles.byIdentity(namespace, id, mergePolicyId);
  }

  /** Bulk export for batch segmentation: NDJSON, keyset-paginated by profile id (next page: header x-next-cursor). */
  @Get('export')
  @ApiProduces('application/x-ndjson')
  @ApiQuery({ name: 'cursor', required: false, description: 'x-next-cursor of the previous page; empty for the first' })
  @ApiQuery({ name: 'limit', required: false, description: 'profiles in this page (default 10000)' })
  @ApiQuery({ name: 'eventDays', required: false, description: 'days of events per profile (default 30)' })
  @ApiQuery({ name: 'maxEventsPerProfile', required: false })
  @ApiQuery({ name: 'includeFlagged', required: false, description: 'include guardrail-flagged profiles (default false)' })
  async export(@Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const options = validate(exportQuerySchema, query, 'query');
    const next = await this.profiles.exportNextCursor(options);
    if (next !== null) void reply.header('x-next-cursor', next);
    await reply.type('application/x-ndjson').send(Readable.from(this.profiles.exportLines(options)));
  }

  @Get(':profileId')
  @ApiQuery({ name: 'mergePolicyId', required: false })
  @ApiOkResponse({ type: ProfileDto })
  @Header('content-type', JSON_CONTENT_TYPE)
  get(@Param('profileId') profileId: string, @Query() query: unknown): Promise<string> {
    return this.profiles.byProfileId(profileId, validate(profileQuerySchema, query, 'query').mergePolicyId);
  }

  @Get(':profileId/events')
  @ApiQuery({ name: 'since', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiOkResponse({ type: ProfileEventsPageDto })
  events(@Param('profileId') profileId: string, @Query() query: unknown): Promise<ProfileEventsPageDto> {
    return this.profiles.events(profileId, validate(eventsQuerySchema, query, 'query'));
  }

  @Get(':profileId/fragments')
  @ApiOkResponse({ type: [FragmentDto] })
  fragments(@Param('profileId') profileId: string): Promise<{ items: FragmentDto[] }> {
    return this.profiles.fragments(profileId);
  }
}
