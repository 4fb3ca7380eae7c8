import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';
import { NAMESPACE_KINDS, type NamespaceKind } from './standard-namespaces';

export const createNamespaceSchema = z.strictObject({
  code: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must start with a letter and hold at most 64 letters, digits, _ . or -'),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  type: z.enum(NAMESPACE_KINDS as [NamespaceKind, ...NamespaceKind[]]),
  description: z.string().max(2000).default(''),
});

export class CreateNamespaceRequest {
  @ApiProperty({ example: 'loyaltyId', description: 'Case-sensitive code identities are sent with; immutable' })
  code!: string;

  @ApiProperty({ example: 'Loyalty id' })
  name!: string;

  @ApiProperty({ enum: NAMESPACE_KINDS, description: 'Immutable. NON_PEOPLE and PARTNER namespaces never link identities' })
  type!: NamespaceKind;

  @ApiPropertyOptional()
  description?: string;
}

export class NamespaceResponse {
  @ApiProperty()
  code!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: NAMESPACE_KINDS })
  type!: NamespaceKind;

  @ApiProperty()
  description!: string;

  @ApiProperty({ description: 'false for the standard namespaces' })
  custom!: boolean;

  @ApiProperty()
  createdAt!: string;
}
