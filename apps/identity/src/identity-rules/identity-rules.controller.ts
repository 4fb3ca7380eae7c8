import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parseRequest } from '../common/parse-body';
import { IdentityRulesRequest, IdentityRulesResponse, identityRulesSchema } from './identity-rules.dto';
import { IdentityRulesService } from './identity-rules.service';

@ApiTags('identity-rules')
@Controller('v1/identity-rules')
export class IdentityRulesController {
  constructor(private readonly rules: IdentityRulesService) {}

  @Get()
  @ApiResponse({ status: 200, type: IdentityRulesResponse })
  get(): Promise<IdentityRulesResponse> {
    return this.rules.get();
  }

  @Put()
  @ApiOperation({
    summary: 'Replace the linking rules',
    description: 'Applies to records resolved from now on; stored graphs change when a record next changes their links.',
  })
  @ApiResponse({ status: 200, type: IdentityRulesResponse })
  put(@Body() body: IdentityRulesRequest): Promise<IdentityRulesResponse> {
    return this.rules.put(parseRequest(identityRulesSchema, body));
  }
}
