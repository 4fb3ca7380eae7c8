import { baseConfigShape } from '@weft/platform';
import { z } from 'zod';

export const registryConfigSchema = z.object({ ...baseConfigShape, PORT: baseConfigShape.PORT.default(8081) });
export type RegistryConfig = z.infer<typeof registryConfigSchema>;
