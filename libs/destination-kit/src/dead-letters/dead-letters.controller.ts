import { Controller, DefaultValuePipe, Get, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DeadLettersService, type DeadLetterView } from './dead-letters.service';

@ApiTags('dead letters')
@Controller('v1/connections/:connectionId/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries that used up their retries or were refused for good' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  list(
    @Param('connectionId') connectionId: string,
    @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number,
  ): Promise<{ items: DeadLetterView[]; total: number }> {
    return this.deadLetters.list(connectionId, limit);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One dead letter with the profile documents it carries' })
  get(@Param('connectionId') connectionId: string, @Param('id') id: string): Promise<DeadLetterView & { documents: unknown[] }> {
    return this.deadLetters.get(connectionId, id);
  }

  @Post('replay')
  @ApiOperation({ summary: 'Send every dead letter of the connection again (same idempotency keys)' })
  replayAll(@Param('connectionId') connectionId: string): Promise<{ replayed: number; profiles: number }> {
    return this.deadLetters.replayAll(connectionId);
  }

  @Post(':id/replay')
  @ApiOperation({ summary: 'Send one dead letter again (same idempotency key)' })
  replay(@Param('connectionId') connectionId: string, @Param('id') id: string): Promise<{ replayed: number; profiles: number }> {
    return this.deadLetters.replay(connectionId, id);
  }
}
