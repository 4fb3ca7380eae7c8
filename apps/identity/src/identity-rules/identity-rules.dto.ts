import { ApiProperty } from '@nestjs/swagger';
import { z } from 'zod';

export const identityRulesSchema = z.strictObject({
  priority: z.array(z.string().min(1)).max(1000),
  unique: z.array(z.string().min(1)).max(1000),
});

export class IdentityRulesRequest {
  @ApiProperty({
    type: [String],
    example: ['CRMID', 'Email', 'Phone', 'IDFA', 'GAID', 'ECID'],
    description: 'Namespace codes, most important first: people, then devices, then cookies. Unlisted namespaces rank after the listed ones of their kind.',
  })
  priority!: string[];

  @ApiProperty({ type: [String], example: ['CRMID', 'Email'], description: 'Namespaces of which a graph holds at most one identity' })
  unique!: string[];
}

export class EffectiveNamespaceRule {
  @ApiProperty()
  code!: string;

  @ApiProperty()
  type!: string;

  @ApiProperty({ description: 'Rank used by the graph algorithm (lower is more important)' })
  priority!: number;

  @ApiProperty()
  unique!: boolean;
}

export class IdentityRulesResponse extends IdentityRulesRequest {
  @ApiProperty()
  version!: number;

  @ApiProperty()
  updatedAt!: string;

  @ApiProperty({ type: [EffectiveNamespaceRule], description: 'Every linking namespace as the algorithm sees it' })
  effective!: EffectiveNamespaceRule[];
}
