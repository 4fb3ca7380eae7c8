import { runService } from '@weft/platform';
import { profileServiceOptions } from './app.module';

runService(profileServiceOptions()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
