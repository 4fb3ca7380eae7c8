// Boots the service as its own process (as `npm start` does), on topics and a consumer group of the test's choosing,
// so that a test can read everything the process writes to stdout and stderr.
import type { TopicContract } from '@weft/messaging';
import { runService } from '@weft/platform';
import { topics, type ProfileChanged, type SegmentMembership } from '@weft/xdm';
import { destinationHttpServiceOptions } from '../src/app.module';

const env = process.env;
runService(
  destinationHttpServiceOptions({
    name: env['TEST_SERVICE_NAME'],
    topics: {
      segmentMembership: { ...(topics.segmentMembership as TopicContract<SegmentMembership>), name: env['TEST_MEMBERSHIP_TOPIC'] as string },
      profileChanged: { ...(topics.profileChanged as TopicContract<ProfileChanged>), name: env['TEST_PROFILE_TOPIC'] as string },
    },
  }),
).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
