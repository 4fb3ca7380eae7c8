import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';
import type { AttributeMerge } from '../merge';
import type { IdentityStitching, MergePolicyEntity } from './merge-policy.entity';

const attributeMerge = z.discriminatedUnion('type', [
  z.object({ type: z.literal('timestampOrdered') }).strict(),
  z
    .object({
      type: z.literal('datasetPrecedence'),
      datasets: z.array(z.string().min(1)).min(1, 'must list at least one dataset').refine((d) => new Set(d).size === d.length, 'must not list a dataset twice'),
    })
    .strict(),
]);

export const createMergePolicySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    attributeMerge,
    identityStitching: z.enum(['privateGraph', 'none']),
    isDefault: z.boolean().default(false),
  })
  .strict();

export const updateMergePolicySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    attributeMerge,
    identityStitching: z.enum(['privateGraph', 'none']),
    isDefault: z.boolean(),
  })
  .partial()
  .strict();

export type CreateMergePolicy = z.infer<typeof createMergePolicySchema>;
export type UpdateMergePolicy = z.infer<typeof updateMergePolicySchema>;

class AttributeMergeDto {
  @ApiProperty({ enum: ['timestampOrdered', 'datasetPrecedence'] })
  type!: AttributeMerge['type'];

  @ApiPropertyOptional({ type: [String], description: 'datasetPrecedence: dataset ids, highest precedence first; unlisted datasets are not merged' })
  datasets?: string[];
}

export class CreateMergePolicyDto {
  @ApiProperty()
  name!: string;

  @ApiProperty({ type: AttributeMergeDto })
  attributeMerge!: AttributeMergeDto;

  @ApiProperty({ enum: ['privateGraph', 'none'], description: 'privateGraph: merge every identity of the graph; none: only data keyed by the looked-up identity' })
  identityStitching!: IdentityStitching;

  @ApiPropertyOptional({ description: 'Make this the default policy (its merged profiles are materialized and published)' })
  isDefault?: boolean;
}

export class UpdateMergePolicyDto {
  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional({ type: AttributeMergeDto })
  attributeMerge?: AttributeMergeDto;

  @ApiPropertyOptional({ enum: ['privateGraph', 'none'] })
  identityStitching?: IdentityStitching;

  @ApiPropertyOptional()
  isDefault?: boolean;
}

export class MergePolicyDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: AttributeMergeDto }) attributeMerge!: AttributeMerge;
  @ApiProperty({ enum: ['privateGraph', 'none'] }) identityStitching!: IdentityStitching;
  @ApiProperty() isDefault!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

/** The merge rule of a stored policy, as the merge functions take it. */
export function attributeMergeOf(policy: Pick<MergePolicyEntity, 'attributeMerge' | 'datasetOrder'>): AttributeMerge {
  switch (policy.attributeMerge) {
    case 'timestampOrdered':
      return { type: 'timestampOrdered' };
    case 'datasetPrecedence':
      return { type: 'datasetPrecedence', datasets: policy.datasetOrder };
  }
}

export function toMergePolicyDto(policy: MergePolicyEntity): MergePolicyDto {
  return {
    id: policy.id,
    name: policy.name,
    attributeMerge: attributeMergeOf(policy),
    identityStitching: policy.identityStitching,
    isDefault: policy.isDefault,
    createdAt: policy.createdAt.toISOString(),
    updatedAt: policy.updatedAt.toISOString(),
  };
}
