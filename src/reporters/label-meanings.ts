import type { Label } from '../core/finding.js';

/** What each label means, printed beside it so a reader never has to look it up. */
export const LABEL_MEANINGS: Readonly<Record<Label, string>> = {
  'No.8': 'retrieval health: the store does not return everything it should',
  'No.14': 'build order: the index was trained or built before the data was clean or present',
  'No.16': 'the store was queried while empty or mixed',
};
