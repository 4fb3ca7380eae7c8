import { runService } from '@weft/platform';
import { identityServiceOptions } from './app.module';

runService(identityServiceOptions).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
