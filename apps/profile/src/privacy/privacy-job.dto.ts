import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';
import type { PrivacyJobEntity } from './privacy-job.entity';

export const createPrivacyJobSchema = z
  .object({
    action: z.enum(['access', 'delete']),
    identities: z
      .array(z.object({ namespace: z.string().min(1), id: z.string().min(1) }).strict())
      .min(1, 'must name at least one identity of the person')
      .max(100),
  })
  .strict();

export type CreatePrivacyJob = z.infer<typeof createPrivacyJobSchema>;

class IdentityDto {
  @ApiProperty({ example: 'Email' }) namespace!: string;
  @ApiProperty({ example: 'ada@example.com' }) id!: string;
}

export class CreatePrivacyJobDto {
  @ApiProperty({ enum: ['access', 'delete'] }) action!: 'access' | 'delete';
  @ApiProperty({ type: [IdentityDto] }) identities!: IdentityDto[];
}

export class PrivacyJobDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['access', 'delete'] }) action!: string;
  @ApiProperty({ type: [IdentityDto] }) identities!: IdentityDto[];
  @ApiProperty({ enum: ['queued', 'processing', 'pending', 'completed', 'failed'] }) status!: string;
  @ApiProperty({ type: [Object], description: 'What each step did: profileStore, changeFeed, identityGraph' }) steps!: unknown[];
  @ApiPropertyOptional({ type: Object, nullable: true, description: 'access: everything held about the person' }) result!: unknown;
  @ApiPropertyOptional({ type: Object, nullable: true, description: 'Completion receipt' }) receipt!: unknown;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) completedAt!: string | null;
}

export function toPrivacyJobDto(job: PrivacyJobEntity): PrivacyJobDto {
  return {
    id: job.id,
    action: job.action,
    identities: job.identities,
    status: job.status,
    steps: job.steps,
    result: job.result,
    receipt: job.receipt,
    createdAt: job.createdAt.toISOString(),
    completedAt: job.completedAt?.toISOString() ?? null,
  };
}
