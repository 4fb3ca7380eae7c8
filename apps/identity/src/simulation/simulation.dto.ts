import { ApiProperty } from '@nestjs/swagger';
import { z } from 'zod';

const identitySchema = z.strictObject({ namespace: z.string().min(1), id: z.string() });

export const simulationSchema = z.object({
  config: z.object({
    namespaces: z
      .array(
        z.strictObject({
          code: z.string().min(1),
          type: z.enum(['CROSS_DEVICE', 'EMAIL', 'PHONE', 'DEVICE', 'COOKIE']),
          priority: z.number().int().min(1),
          unique: z.boolean(),
        }),
      )
      .min(1),
    limits: z
      .strictObject({
        maxIdentitiesPerGraph: z.number().int().min(1).optional(),
        maxIdentitiesPerRecord: z.number().int().min(1).optional(),
        maxValueLength: z.number().int().min(1).optional(),
        superNodeLinks: z.number().int().min(1).optional(),
      })
      .optional(),
  }),
  events: z
    .array(
      z.object({
        at: z.iso.datetime({ offset: true }),
        identities: z.array(identitySchema),
      }),
    )
    .max(10_000),
});

export class SimulationRequest {
  @ApiProperty({
    description: 'Namespaces with type, priority and unique flag (and optional limits), as in a graph-simulation scenario',
    example: {
      namespaces: [
        { code: 'Email', type: 'EMAIL', priority: 1, unique: true },
        { code: 'ECID', type: 'COOKIE', priority: 2, unique: false },
      ],
    },
  })
  config!: object;

  @ApiProperty({
    description: 'Records applied in order of `at`',
    example: [{ at: '2024-01-01T00:00:00Z', identities: [{ namespace: 'Email', id: 'tom@acme.com' }, { namespace: 'ECID', id: '00000000000000000000000000000000000111' }] }],
  })
  events!: object[];
}

export class SimulationResponse {
  @ApiProperty({ description: 'Final partition: each graph as a list of {namespace, id}; unlinked identities alone', type: 'array' })
  graphs!: { namespace: string; id: string }[][];
}
