import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';

export const lookupQuerySchema = z.object({
  namespace: z.string().min(1, 'namespace is required (an identity namespace code such as Email or ECID)'),
  id: z.string().min(1, 'id is required (the identity value)'),
  mergePolicyId: z.string().optional(),
});

export const profileQuerySchema = z.object({ mergePolicyId: z.string().optional() });

export const eventsQuerySchema = z.object({
  since: z.iso.datetime({ offset: true, message: 'since must be an ISO 8601 date-time' }).optional(),
  cursor: z.string().regex(/^\d+:.+$/, 'cursor must be a value returned as next').optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

export const exportQuerySchema = z.object({
  cursor: z.string().default(''),
  limit: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  eventDays: z.coerce.number().int().min(0).max(3_650).default(30),
  maxEventsPerProfile: z.coerce.number().int().min(0).max(10_000).default(1_000),
  includeFlagged: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

export class ProfileIdentityDto {
  @ApiProperty() namespace!: string;
  @ApiProperty() id!: string;
  @ApiProperty() primary!: boolean;
}

export class SegmentMembershipDto {
  @ApiProperty() segmentId!: string;
  @ApiProperty({ enum: ['realized', 'exited'] }) status!: string;
  @ApiProperty() lastQualificationTime!: string;
  @ApiProperty() version!: number;
}

export class ProfileDto {
  @ApiProperty() profileId!: string;
  @ApiProperty() mergePolicyId!: string;
  @ApiPropertyOptional({ description: 'Version of the materialized profile (default policy only)' }) version?: number;
  @ApiProperty({ type: Object, description: 'Merged XDM attributes' }) attributes!: Record<string, unknown>;
  @ApiProperty({ type: [ProfileIdentityDto] }) identities!: ProfileIdentityDto[];
  @ApiProperty({ type: [SegmentMembershipDto] }) segmentMemberships!: SegmentMembershipDto[];
  @ApiProperty({ type: [String], description: 'Guardrail flags (tooManyIdentities, tooManyEvents): flagged profiles are left out of segmentation and export' })
  flags!: string[];
  @ApiProperty() eventCount!: number;
  @ApiPropertyOptional() updatedAt?: string;
}

export class ProfileEventDto {
  @ApiProperty() id!: string;
  @ApiProperty() timestamp!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) eventType!: string | null;
  @ApiProperty() datasetId!: string;
  @ApiProperty({ type: Object }) payload!: Record<string, unknown>;
}

export class ProfileEventsPageDto {
  @ApiProperty({ type: [ProfileEventDto] }) items!: ProfileEventDto[];
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last page' })
  next!: string | null;
}

export class FragmentDto {
  @ApiProperty() datasetId!: string;
  @ApiProperty() primaryIdentity!: string;
  @ApiProperty({ type: Object }) attributes!: Record<string, unknown>;
  @ApiProperty() timestamp!: string;
  @ApiProperty() receivedAt!: string;
}
