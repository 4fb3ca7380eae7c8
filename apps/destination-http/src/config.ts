import { destinationKitConfigShape } from '@weft/destination-kit';
import { baseConfigShape } from '@weft/platform';
import { z } from 'zod';

export const destinationHttpConfigSchema = z.object({
  ...baseConfigShape,
  ...destinationKitConfigShape,
  PORT: baseConfigShape.PORT.default(3010),
});
export type DestinationHttpConfig = z.infer<typeof destinationHttpConfigSchema>;
