import { runService } from '@weft/platform';
import { destinationHttpServiceOptions } from './app.module';

runService(destinationHttpServiceOptions()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
