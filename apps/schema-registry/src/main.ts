import { runService } from '@weft/platform';
import { registryServiceOptions } from './app.module';

runService(registryServiceOptions).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
