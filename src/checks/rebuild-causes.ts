import type { CheckContext } from '../computed/check-context.js';
import type { FindingCode } from '../core/finding.js';
import type { Artifacts } from '../gather/artifacts.js';
import countMismatch from './count-mismatch.js';
import { codebookFit } from '../computed/codebook-fit.js';

/** A finding of another check that puts the cause in how the index was built, not in how it is searched. */
export interface RebuildCause {
  readonly code: FindingCode;
  /** Why no search setting can fix it, for the message ("its codebook was trained for other vectors"). */
  readonly reason: string;
  /** What to do instead of raising the search setting. */
  readonly fix: string;
}

/**
 * Causes that make any search-parameter or graph advice wrong: computed from the same measurements
 * (or the same pure check) the owning checks report, so ann-recall's advice cannot contradict them
 * (stale-codebook fails ⇒ retrain, whatever a sweep over decoded vectors seems to show;
 * count-mismatch fails ⇒ re-add the rows, not "a larger M").
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
  // count-mismatch's own decision (a pure check, same artifacts): the index lacks or overwrote rows exact search returns.
  const missing = artifacts.reference ? countMismatch.run(artifacts, context) : null;
  if (missing && (!Array.isArray(missing) || missing.length > 0)) {
    causes.push({
      code: 'count-mismatch',
      reason: `the index does not hold the --vectors rows exact search returns (count-mismatch)`,
      fix: 'Re-add the missing or overwritten rows, or rebuild from the embeddings in one pass (`vectorclinic rebuild <vectors>`): no search setting returns vectors the index does not hold.',
    });
  }
  // deleted-rows' measured consequence: dead entries fill the index's candidate lists, so the cure is the engine's clean-up.
  const deleted = artifacts.deletedRows;
  if (deleted?.search && deleted.search.shortQueries > 0 && deleted.facts.deletedRows) {
    causes.push({
      code: 'deleted-rows',
      reason: `the index still holds ${deleted.facts.deletedRows} deleted entries that crowd live rows out of its candidate lists (deleted-rows)`,
      fix: `${deleted.facts.cleanup.charAt(0).toUpperCase()}${deleted.facts.cleanup.slice(1)}, then check again: recall measured through dead entries does not show what the index gives once they are gone.`,
    });
  }
  return causes;
}
