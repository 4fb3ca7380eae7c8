import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { validate } from '../http/validate';
import { createPrivacyJobSchema, CreatePrivacyJobDto, PrivacyJobDto, toPrivacyJobDto } from './privacy-job.dto';
import { PrivacyJobsService } from './privacy-jobs.service';

@ApiTags('privacy')
@Controller('v1/privacy/jobs')
export class PrivacyJobsController {
  constructor(private readonly jobs: PrivacyJobsService) {}

  @Post()
  @HttpCode(202)
  @ApiBody({ type: CreatePrivacyJobDto })
  @ApiAcceptedResponse({ type: PrivacyJobDto })
  async create(@Body() body: unknown): Promise<PrivacyJobDto> {
    return toPrivacyJobDto(await this.jobs.create(validate(createPrivacyJobSchema, body)));
  }

  @Get(':id')
  @ApiOkResponse({ type: PrivacyJobDto })
  async get(@Param('id') id: string): Promise<PrivacyJobDto> {
    return toPrivacyJobDto(await this.jobs.get(id));
  }
}
