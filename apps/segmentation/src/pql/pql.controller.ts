import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@weft/platform';
import { classify, compile, isTruthy, type EvaluationMethod } from '@weft/pql';
import { z } from 'zod';
import { Clock } from '../clock/clock';
import { parseInput } from '../common/validation';
import { withPqlErrors } from './pql-errors';

const evaluateSchema = z.object({
  expression: z.string().min(1, 'must not be empty'),
  profile: z.record(z.string(), z.unknown()).default({}),
  events: z.array(z.record(z.string(), z.unknown())).default([]),
  now: z.union([z.iso.datetime({ offset: true }), z.number().int()]).optional(),
});

class EvaluateRequestDto {
  @ApiProperty({ example: 'homeAddress.countryISO = "US"' }) expression!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Unprefixed XDM profile' })
  profile?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, description: 'Experience events (_id, timestamp, eventType, ...)' })
  events?: Record<string, unknown>[];
  @ApiPropertyOptional({ description: 'Evaluation instant (ISO-8601 or epoch ms); default: the service clock' })
  now?: string | number;
}

class EvaluateResponseDto {
  @ApiProperty({ description: 'Raw value of the expression', nullable: true }) value!: unknown;
  @ApiProperty({ description: 'The value read as segment qualification' }) qualifies!: boolean;
  @ApiProperty({ enum: ['edge', 'streaming', 'batch'], description: 'Fastest evaluation method the expression allows' })
  method!: EvaluationMethod;
}

/** Evaluates an expression against a given profile: an authoring aid, and the way the reference cases are checked. */
@ApiTags('pql')
@Controller('v1/pql')
export class PqlController {
  constructor(private readonly clock: Clock) {}

  @Post('evaluate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Evaluate PQL against one profile and its events; 400 with line and column when it cannot be read' })
  @ApiBody({ type: EvaluateRequestDto })
  @ApiOkResponse({ type: EvaluateResponseDto })
  evaluate(@Body() body: unknown): EvaluateResponseDto {
    const input = parseInput(evaluateSchema, body);
    const evaluator = withPqlErrors(() => compile(input.expression));
    const context = { profile: input.profile, events: input.events, now: input.now ?? this.clock.now() };
    let value: unknown;
    try {
      value = evaluator.evaluate(context);
    } catch (err) {
      throw new DomainError('evaluation_failed', `expression: ${err instanceof Error ? err.message : String(err)}`, 400);
    }
    return { value: value ?? null, qualifies: isTruthy(value), method: classify(evaluator.ast) };
  }
}
