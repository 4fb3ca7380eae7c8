import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';
import type { SegmentEntity } from './segment.entity';

export const createSegmentSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2_000).nullable().optional(),
  expression: z.string().min(1, 'must not be empty').max(50_000),
  mergePolicyId: z.string().min(1).max(200).nullable().optional(),
});
export const updateSegmentSchema = createSegmentSchema.partial();
export type CreateSegment = z.infer<typeof createSegmentSchema>;
export type UpdateSegment = z.infer<typeof updateSegmentSchema>;

export class CreateSegmentDto {
  @ApiProperty({ example: 'Checked out in the last 24 hours' }) name!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) description?: string | null;
  @ApiProperty({
    description: 'PQL; validated on save',
    example: 'select X from xEvent where X.eventType = "commerce.checkouts" and X.timestamp occurs <= 24 hours before now',
  })
  expression!: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Merge policy the profile must be merged with; null: any' })
  mergePolicyId?: string | null;
}

export class UpdateSegmentDto {
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) description?: string | null;
  @ApiPropertyOptional() expression?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) mergePolicyId?: string | null;
}

export class SegmentDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() expression!: string;
  @ApiProperty({ nullable: true, type: String }) mergePolicyId!: string | null;
  @ApiProperty({ enum: ['edge', 'streaming', 'batch'], description: 'Assigned automatically from the expression' })
  evaluationMethod!: string;
  @ApiProperty({ description: 'Depends on now: re-evaluated by the sweep as time passes' }) timeBound!: boolean;
  @ApiProperty({ type: [String], description: 'Segments referenced through inSegment(...)' }) dependsOn!: string[];
  @ApiProperty({ description: 'Position in evaluation order (dependencies first)' }) evaluationOrder!: number;
  @ApiProperty() revision!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class PreviewDto {
  @ApiProperty({ description: 'Estimated number of qualifying profiles' }) estimatedSize!: number;
  @ApiProperty({ description: 'Eligible profiles in the store' }) totalProfiles!: number;
  @ApiProperty({ description: 'Profiles evaluated for the estimate' }) sampledProfiles!: number;
  @ApiProperty({ description: 'Qualifying profiles among them' }) matchedProfiles!: number;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Some qualifying profiles' })
  sample!: { profileId: string; identities: unknown; attributes: unknown }[];
}

export function toSegmentDto(entity: SegmentEntity, evaluationOrder: number): SegmentDto {
  return {
    id: entity.id,
    name: entity.name,
    description: entity.description,
    expression: entity.expression,
    mergePolicyId: entity.mergePolicyId,
    evaluationMethod: entity.evaluationMethod,
    timeBound: entity.timeBound,
    dependsOn: entity.dependsOn,
    evaluationOrder,
    revision: entity.revision,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}
