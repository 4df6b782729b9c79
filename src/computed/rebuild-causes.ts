import type { CheckContext } from '../checks/check.js';
import type { FindingCode } from '../core/finding.js';
import type { Artifacts } from '../gather/artifacts.js';
import { codebookFit } from './codebook-fit.js';

/** A finding of another check that puts the cause in how the index was built, not in how it is searched. */
export interface RebuildCause {
  readonly code: FindingCode;
  /** Why no search setting can fix it, for the message ("its codebook was trained for other vectors"). */
  readonly reason: string;
  /** What to do instead of raising the search setting. */
  readonly fix: string;
}

/**
 * Causes that make any search-parameter advice wrong: computed from the same memoized measurements
 * the owning checks report, so ann-recall's advice cannot contradict them (stale-codebook fails ⇒
 * the fix is to retrain, whatever a sweep over decoded vectors seems to show).
 */
export function rebuildCauses(artifacts: Artifacts, context: CheckContext): RebuildCause[] {
  const causes: RebuildCause[] = [];
  if (artifacts.index) {
    const fit = codebookFit(artifacts, context);
    // stale-codebook reports exactly these verdicts (fail for 'stale', warn for 'degraded').
    if (fit.verdict === 'stale' || fit.verdict === 'degraded') {
      causes.push({
        code: 'stale-codebook',
        reason: "the index's codebook was trained for other vectors (stale-codebook)",
        fix: 'Retrain the index on the vectors it now holds and re-add them (`vectorclinic rebuild <vectors> --metric <m>`); raising the search setting cannot fix a codebook that does not fit.',
      });
    }
  }
  return causes;
}
