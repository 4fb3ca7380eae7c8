import type { TopicContract } from '@weft/messaging';
import { topics, type ProfileChanged, type SegmentMembership } from '@weft/xdm';

/** The topics the service reads and writes: the catalog's, unless a test or benchmark isolates itself on its own. */
export interface SegmentationTopics {
  readonly profileChanged: TopicContract<ProfileChanged>;
  readonly segmentMembership: TopicContract<SegmentMembership>;
}

export const SEGMENTATION_TOPICS = Symbol('SEGMENTATION_TOPICS');

export const catalogTopics: SegmentationTopics = {
  profileChanged: topics.profileChanged as TopicContract<ProfileChanged>,
  segmentMembership: topics.segmentMembership as TopicContract<SegmentMembership>,
};
