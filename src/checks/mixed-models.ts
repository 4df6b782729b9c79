import { count, figure, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import { MIN_PART_ROWS, modelSplit, RELATION_MAX, type ModelSplit, type PartRelation } from '../computed/model-split.js';
import type { Artifacts } from '../gather/artifacts.js';
import { defineCheck } from './check.js';

/** Runs in row order shorter than this share of the sampled rows are stray rows, not blocks. */
const BLOCK_MIN_SHARE = 0.02;

export default defineCheck({
  meta: {
    code: 'mixed-models',
    title: 'The vectors come from one embedding model',
    failureTitle: 'The store holds vectors from two embedding models',
    description:
      'Part of the store was embedded with another model than the rest: a model swap or upgrade with a backfill, a ' +
      'second writer with its own model, a re-embed that stopped half way. Vectors of two models live in unrelated ' +
      'coordinate systems even when they have the same dimension and are all unit length, so a query embedded with ' +
      'one model finds essentially random rows among the other model\'s vectors: those rows are never retrieved ' +
      'for the right question, and may crowd the results for the wrong ones. Norm checks cannot see it.',
    decides:
      'From the vectors alone. Candidate two-way splits of a sample come from the connected parts of its ' +
      '10-nearest-neighbour graph, a spherical 2-means split, and the source\'s segments (shard files). For each split, ' +
      'both parts are centered on their own mean, and each part\'s rows are matched (mean top-5 cosine) against their own ' +
      'part and against the other part, and again with the rows\' coordinates randomly permuted and sign-flipped ' +
      '(the same geometry in an unrelated coordinate system: the chance level). One model\'s topic clusters share its ' +
      'axes, so most of a part\'s excess over chance carries over to the other part (measured 0.2–0.97); two models ' +
      `share none (0 ± 0.05). The split is mixed when, in both directions, the upper 99.9% bound of the carried-over ` +
      `share is below ${RELATION_MAX} and each part has structure of its own (excess over chance ≥ 0.05). ` +
      `A part needs ${MIN_PART_ROWS} sampled rows: with the default sample that is about 0.5% of the rows at 128 ` +
      'dimensions and about 1% at 768 (the search uses up to 4,000 sampled rows, fewer at high dimension); a smaller ' +
      'share of foreign rows is not detectable and the report cannot vouch for it.',
    evidence: {
      minorityShare: 'share of sampled rows in the smaller part (with its 95% interval)',
      parts: 'each part: sampled rows, share, and where its rows are (blocks of rows or segments)',
      interleaved: 'true when the parts alternate in row order (two writers) instead of forming blocks',
      relation: 'share of each part\'s own structure that the other part shares (≈0: unrelated models; one model\'s topics: 0.2–1)',
      cosines: 'centered top-5 cosine within the part, across, and at chance',
      meanCosine: 'mean cosine (uncentered) within each part and across: two models\' vectors are near-orthogonal',
      method: 'how the split was found',
      sampledRows: 'valid sampled rows the search used',
    },
    labels: ['No.8', 'No.16'],
    requiredArtifacts: ['sample', 'rowStats'],
    fix: 'Re-embed the minority part with the model the rest of the store (and the query path) uses, then rebuild the index: `vectorclinic rebuild <vectors> --metric <metric> --apply`. Record the model in the manifest (`vectorclinic guard`) so the next swap is caught at the door.',
  },
  run(artifacts, context) {
    const search = modelSplit(artifacts, context);
    const best = search?.best;
    if (!search || !best || !best.mixed) return null;
    const location = locate(artifacts, best);
    const minorityWhere = location.minority.text;
    const evidence = {
      minorityShare: round(best.minorityShare, 4),
      minorityShareLow95: round(best.shareLow, 4),
      minorityShareHigh95: round(best.shareHigh, 4),
      parts: [
        { part: 'minority', sampledRows: best.minorityRows.length, share: round(best.minorityShare, 4), blocks: location.minority.blocks, segments: location.minority.segments },
        { part: 'majority', sampledRows: best.majorityRows.length, share: round(1 - best.minorityShare, 4), blocks: location.majority.blocks, segments: location.majority.segments },
      ],
      interleaved: location.interleaved,
      relation: { minorityToMajority: relationEvidence(best.forward), majorityToMinority: best.backward ? relationEvidence(best.backward) : null },
      meanCosine: { minority: round(best.meanCosine.minority, 4), majority: round(best.meanCosine.majority, 4), across: round(best.meanCosine.across, 4) },
      method: best.method,
      sampledRows: best.rows,
      minDetectableShare: round(search.minDetectableShare, 4),
    } as Evidence;
    const relation = Math.max(best.forward.relation, best.backward?.relation ?? -Infinity);
    return {
      severity: 'fail',
      message:
        `${percent(best.minorityShare, 1)} of the sampled rows (${count(best.minorityRows.length)} of ${count(best.rows)}; 95% interval ${percent(best.shareLow, 1)}–${percent(best.shareHigh, 1)}) ` +
        `live in another coordinate system than the rest: ${minorityWhere}. ` +
        `Beyond chance, ${figure(Math.max(0, relation), 2)} of each part's own similarity structure carries over to the other part (one model's topic clusters carry 0.2–1 of it), ` +
        `and the mean cosine across the parts is ${figure(best.meanCosine.across, 2)} against ${figure(best.meanCosine.minority, 2)} and ${figure(best.meanCosine.majority, 2)} within them. ` +
        'Queries from one model cannot find the other model\'s rows.',
      evidence,
      fix:
        `Re-embed the minority part (${minorityWhere}) with the model the rest of the store and the query path use, then rebuild the index: ` +
        '`vectorclinic rebuild <vectors> --metric <metric> --apply`. If the minority is the new model, re-embed the rest instead and switch the query path with it.',
    };
  },
});

function relationEvidence(relation: PartRelation): Evidence {
  return {
    relation: round(relation.relation, 3),
    relationUpper: round(relation.relationUpper, 3),
    withinCosine: round(relation.within.cosine, 4),
    withinChance: round(relation.within.chance, 4),
    acrossCosine: round(relation.across.cosine, 4),
    acrossChance: round(relation.across.chance, 4),
    probes: relation.across.probes,
    pool: relation.across.pool,
  };
}

interface PartPlace {
  readonly text: string;
  readonly blocks: readonly { readonly firstRow: number; readonly lastRow: number; readonly sampledRows: number }[];
  readonly segments: readonly { readonly name: string; readonly sampledRows: number; readonly shareOfSegment: number }[];
}

/**
 * Where each part sits: blocks of rows (a backfill, a shard) or interleaved (two writers), and per
 * segment when the source has segments. Boundaries are between sampled rows.
 */
function locate(artifacts: Artifacts, split: ModelSplit): { interleaved: boolean; minority: PartPlace; majority: PartPlace } {
  const labelled = [...split.minorityRows.map((row) => ({ row, minority: true })), ...split.majorityRows.map((row) => ({ row, minority: false }))].sort((a, b) => a.row - b.row);
  const minimum = Math.max(3, Math.round(BLOCK_MIN_SHARE * labelled.length));
  // Runs in row order, stray short runs absorbed into the run before them.
  const runs: { minority: boolean; firstRow: number; lastRow: number; sampledRows: number }[] = [];
  let switches = 0;
  for (let i = 0; i < labelled.length; i++) {
    const entry = labelled[i] as { row: number; minority: boolean };
    const last = runs[runs.length - 1];
    if (i > 0 && (labelled[i - 1] as { minority: boolean }).minority !== entry.minority) switches++;
    if (last && last.minority === entry.minority) {
      last.lastRow = entry.row;
      last.sampledRows++;
    } else runs.push({ minority: entry.minority, firstRow: entry.row, lastRow: entry.row, sampledRows: 1 });
  }
  const merged: typeof runs = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last && (last.minority === run.minority || run.sampledRows < minimum)) {
      last.lastRow = run.lastRow;
      last.sampledRows += run.sampledRows;
    } else merged.push({ ...run });
  }
  const p = split.minorityShare;
  // Independent labels switch about 2·n·p·(1−p) times; blocks switch a handful of times.
  const expectedSwitches = 2 * labelled.length * p * (1 - p);
  const interleaved = switches > Math.max(8, 0.2 * expectedSwitches);
  const segments = artifacts.rowStats.segments ?? [];
  const place = (minority: boolean): PartPlace => {
    const rows = minority ? split.minorityRows : split.majorityRows;
    const bySegment = segments.length > 1
      ? segments
          .map((segment) => {
            const inSegment = labelled.filter((e) => e.row >= segment.start && e.row < segment.start + segment.rows);
            const mine = inSegment.filter((e) => e.minority === minority).length;
            return { name: segment.name, sampledRows: mine, shareOfSegment: round(inSegment.length ? mine / inSegment.length : 0, 3) };
          })
          .filter((s) => s.sampledRows > 0)
      : [];
    const blocks = interleaved ? [] : merged.filter((run) => run.minority === minority).map(({ firstRow, lastRow, sampledRows }) => ({ firstRow, lastRow, sampledRows }));
    let text: string;
    if (bySegment.length && bySegment.every((s) => s.shareOfSegment >= 0.9)) text = `segment${bySegment.length > 1 ? 's' : ''} ${bySegment.map((s) => s.name).join(', ')}`;
    else if (interleaved) text = `interleaved with the other part across the store (${count(switches)} switches in row order among ${count(labelled.length)} sampled rows, rows ${rows.slice(0, 5).join(', ')}…)`;
    else text = blocks.map((b) => `rows ${count(b.firstRow)}–${count(b.lastRow)}`).join(', ') + ' (boundaries between sampled rows)';
    return { text, blocks, segments: bySegment };
  };
  return { interleaved, minority: place(true), majority: place(false) };
}
