import { runService } from '@weft/platform';
import { ingestionServiceOptions } from './app.module';

runService(ingestionServiceOptions()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
