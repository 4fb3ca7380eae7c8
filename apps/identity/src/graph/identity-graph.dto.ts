import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';

export const identityQuerySchema = z.object({
  namespace: z.string().min(1, 'is required'),
  id: z.string().min(1, 'is required'),
});

export class IdentityKeyDto {
  @ApiProperty({ example: 'Email' })
  namespace!: string;

  @ApiProperty({ example: 'tom@acme.com' })
  id!: string;
}

export class GraphIdentityDto extends IdentityKeyDto {
  @ApiProperty({ example: 'EMAIL' })
  type!: string;

  @ApiProperty()
  firstSeen!: string;

  @ApiProperty()
  lastSeen!: string;

  @ApiPropertyOptional({ description: 'When the identity joined its current graph; absent for a solo identity' })
  linkedAt?: string;

  @ApiPropertyOptional({ description: 'Why links of this identity to further identities are refused' })
  linkRefusal?: string;
}

export class GraphLinkDto {
  @ApiProperty({ type: IdentityKeyDto })
  a!: IdentityKeyDto;

  @ApiProperty({ type: IdentityKeyDto })
  b!: IdentityKeyDto;

  @ApiProperty({ description: 'Last time the two identities were seen together' })
  at!: string;
}

export class IdentityGraphResponse {
  @ApiProperty()
  profileId!: string;

  @ApiProperty({ type: [GraphIdentityDto] })
  identities!: GraphIdentityDto[];

  @ApiProperty({ type: [GraphLinkDto] })
  links!: GraphLinkDto[];
}

export class GraphChangesResponse {
  @ApiProperty({ type: [Object], description: 'The graph changes published on weft.identity.graph.v1' })
  changes!: unknown[];
}
