import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@weft/platform';
import { MembershipStatusSymbols } from '@weft/xdm';
import { z } from 'zod';
import { parseInput } from '../common/validation';
import { MembershipsRepository, type MembershipView } from './memberships.repository';

class MembershipDto implements MembershipView {
  @ApiProperty() profileId!: string;
  @ApiProperty() segmentId!: string;
  @ApiProperty({ enum: MembershipStatusSymbols }) status!: 'realized' | 'exited';
  @ApiProperty({ description: 'Grows with every status change of this profile in this segment' }) version!: number;
  @ApiProperty({ format: 'date-time' }) lastQualificationTime!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

class MembershipPageDto {
  @ApiProperty({ type: [MembershipDto] }) items!: MembershipDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `after` for the next page (segment listings)' })
  next!: string | null;
}

const listQuery = z.object({
  profileId: z.string().min(1).optional(),
  segmentId: z.string().min(1).optional(),
  status: z.enum(MembershipStatusSymbols).optional(),
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

@ApiTags('memberships')
@Controller('v1/memberships')
export class MembershipsController {
  constructor(private readonly repository: MembershipsRepository) {}

  @Get()
  @ApiOperation({ summary: 'Memberships of a profile, or of a segment (paged by profile id)' })
  @ApiQuery({ name: 'profileId', required: false })
  @ApiQuery({ name: 'segmentId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: MembershipStatusSymbols })
  @ApiQuery({ name: 'after', required: false, description: 'profile id to continue after' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: MembershipPageDto })
  async list(@Query() query: unknown): Promise<MembershipPageDto> {
    const { after, limit, ...filter } = parseInput(listQuery, query, 'query');
    if (!filter.profileId && !filter.segmentId) {
      throw new DomainError('validation_failed', 'query: give profileId or segmentId', 400, [
        { path: 'profileId', code: 'required', message: 'profileId or segmentId is required' },
      ]);
    }
    const items = await this.repository.list(filter, after ?? null, limit);
    const next = filter.segmentId && items.length === limit ? items[items.length - 1]!.profileId : null;
    return { items, next };
  }
}
