import { count, figure, percent, round } from '../core/format.js';
import { declaredDrift } from '../computed/declared-drift.js';
import { wilsonInterval } from '../math/bounds.js';
import { defineCheck, type CheckResult } from './check.js';

/**
 * By construction 1% of the reference rows fall below its 1st percentile of alignment. Three times
 * that (and clearly above it given the sample) means a second population; one row in ten from
 * elsewhere already puts a foreign row into most top-10 lists.
 */
const WARN_SHARE = 0.03;
const FAIL_SHARE = 0.1;
/** The share's 95% lower bound must clear this, so small samples cannot warn by chance. */
const SIGNIFICANT_SHARE = 0.015;
const MIN_ROWS = 200;

/**
 * The manifest side of `stale-codebook`: vectors that no longer come from the model (and codebook)
 * the store's policy was built with. Index-internal evidence (decoded norms, list skew) belongs to
 * the index check of the same code.
 */
export default defineCheck({
  meta: {
    code: 'stale-codebook',
    title: 'Stored vectors still match the policy they were built with',
    failureTitle: 'Stored vectors no longer match the model the store was built for',
    description:
      "An index's centroids and PQ codebook are trained on one model's vectors. When vectors from another model (or " +
      'another version of it) are added later, they live in an unrelated coordinate system: the codebook encodes them ' +
      'badly, they land in the wrong lists, and queries from either model miss. The store manifest records the mean ' +
      'direction of the vectors the store was built from and how tightly rows align with it; foreign rows fall outside.',
    decides:
      `With a store manifest: the share of sampled rows whose cosine to the recorded mean direction is below the recorded 1st percentile (1% expected). ` +
      `Warns from ${percent(WARN_SHARE, 0)} (when its 95% lower bound exceeds ${percent(SIGNIFICANT_SHARE, 1)}), fails from ${percent(FAIL_SHARE, 0)}, with at least ${MIN_ROWS} rows. ` +
      "Also warns when the index's codebook no longer hashes to the fingerprint the manifest recorded (retrained outside the policy).",
    evidence: {
      foreignShare: 'share of sampled rows outside the recorded distribution',
      expectedShare: 'that share on the vectors the manifest was built from (0.01)',
      alignmentP50: "median cosine of today's rows to the recorded mean direction",
      referenceAlignmentP50: 'the same median when the manifest was written',
      foreignRowRange: 'lowest and highest row number among the foreign rows',
      codebookMatches: "whether the index's codebook still matches the manifest's fingerprint",
      manifest: 'the manifest compared against',
    },
    labels: ['No.8', 'No.14'],
    requiredArtifacts: ['declared', 'sample'],
    fix: 'Re-embed the foreign rows with the model the policy names (or re-embed everything with the new model), then rebuild so the codebook is trained on the vectors it holds: `vectorclinic rebuild <clean vectors> --index ivfpq --apply`.',
  },
  run(artifacts, context) {
    const drift = declaredDrift(artifacts, context);
    if (!drift) return null;
    const manifest = artifacts.declared.manifest ?? null;
    const results: CheckResult[] = [];
    if (drift.rowsChecked >= MIN_ROWS) {
      const foreign = Math.round(drift.foreignShare * drift.rowsChecked);
      const { low } = wilsonInterval(foreign, drift.rowsChecked);
      if (drift.foreignShare >= WARN_SHARE && low > SIGNIFICANT_SHARE) {
        const where = drift.foreignRowRange ? ` (rows ${count(drift.foreignRowRange[0])}–${count(drift.foreignRowRange[1])})` : '';
        results.push({
          severity: drift.foreignShare >= FAIL_SHARE ? 'fail' : 'warn',
          message:
            `${percent(drift.foreignShare, 1)} of ${count(drift.rowsChecked)} sampled rows${where} lie outside the distribution the store was built from ` +
            `(1% expected; median alignment with the recorded direction ${figure(drift.alignmentP50, 3)} vs ${figure(drift.referenceAlignmentP50, 3)} at build): ` +
            'vectors from another model were added after the store was built.',
          evidence: {
            foreignShare: round(drift.foreignShare, 4),
            expectedShare: drift.expectedShare,
            alignmentP50: round(drift.alignmentP50, 4),
            referenceAlignmentP50: drift.referenceAlignmentP50,
            foreignRowRange: drift.foreignRowRange ? [...drift.foreignRowRange] : null,
            manifest,
          },
        });
      }
    }
    if (drift.codebookMatches === false) {
      results.push({
        severity: 'warn',
        message: "The index's codebook is not the one the manifest recorded: it was retrained or replaced outside the policy, so the manifest no longer describes it.",
        evidence: { codebookMatches: false, manifest },
        fix: 'Rebuild with `vectorclinic rebuild --apply` so the index and its manifest are written together.',
      });
    }
    return results;
  },
});
