import { runService } from '@weft/platform';
import { segmentationServiceOptions } from './app.module';

runService(segmentationServiceOptions()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
