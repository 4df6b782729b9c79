import { count, figure, percent, round } from '../core/format.js';
import type { Label } from '../core/finding.js';
import { ivfSample, type IvfSample } from '../computed/ivf-sample.js';
import { nearDuplicates } from '../computed/near-duplicates.js';
import type { Artifacts } from '../gather/artifacts.js';
import type { CheckContext } from '../computed/check-context.js';
import { defineCheck, notRun, type CheckResult } from './check.js';

/**
 * Imbalance factor nlist·Σnᵢ²/(Σnᵢ)² is the work of a search relative to equal lists (queries land
 * in lists in proportion to their size). Lists filled at random already score 1 + nlist/N, so we
 * judge the excess over that: 2 means every search scans twice what a balanced index would.
 */
const IMBALANCE_WARN = 2;
/** 8×: most of the IVF speed-up is gone and a few lists hold most of the data. */
const IMBALANCE_FAIL = 8;
/** Empty lists beyond chance: a tenth of the centroids serving no vector is a distribution shift. */
const EMPTY_SHARE_WARN = 0.1;
/** Half the centroids empty: the index was trained for data it does not hold. */
const EMPTY_SHARE_FAIL = 0.5;
/** FAISS warns when k-means gets fewer than 39 training points per centroid. */
const MIN_POINTS_PER_CENTROID = 39;
/**
 * A list whose vectors spread less than a tenth of the typical list's spread is a cluster of
 * (near-)copies: k-means spent a centroid on duplicated content.
 */
const DEGENERATE_SPREAD = 0.1;
/** Lists need a few sampled rows before their spread is measured. */
const MIN_ROWS_PER_MEASURED_LIST = 3;
/** Centroids spent on copies matter once they are a tenth of the lists measured (and at least 2). */
const DEGENERATE_SHARE_WARN = 0.1;
/** Same bar as duplicate-rows' warning: 1% redundant rows. */
const DUPLICATE_SHARE = 0.01;

export default defineCheck({
  meta: {
    code: 'cluster-imbalance',
    title: 'IVF lists are balanced',
    failureTitle: 'IVF lists are unbalanced',
    description:
      'An IVF index searches only the nprobe lists nearest the query. When a few lists hold most vectors (centroids ' +
      'trained on other data, or spent on duplicated boilerplate), searches scan far more vectors than planned, ' +
      'queries that land in the crowded lists lose recall, and empty lists waste probes. k-means with too few ' +
      'training points per centroid produces the same effect.',
    decides:
      `From the stored list sizes: imbalance factor nlist·Σn²/(Σn)² in excess of random filling (1 + nlist/N), warning from ${IMBALANCE_WARN}, failing from ${IMBALANCE_FAIL}; ` +
      `empty lists beyond what chance leaves empty, warning from ${percent(EMPTY_SHARE_WARN, 0)} of lists, failing from ${percent(EMPTY_SHARE_FAIL, 0)}; ` +
      `fewer than ${MIN_POINTS_PER_CENTROID} vectors per list (FAISS's minimum of training points per centroid). From sampled rows: lists whose spread is under ` +
      `${percent(DEGENERATE_SPREAD, 0)} of the typical list's (centroids spent on copies), warning from ${percent(DEGENERATE_SHARE_WARN, 0)} of lists. With duplicate rows present it also labels the build order (No.14).`,
    evidence: {
      nlist: 'number of inverted lists',
      imbalanceFactor: 'nlist·Σn²/(Σn)² (1 = equal lists)',
      randomFillFactor: 'what random filling of equal lists would give (1 + nlist/N)',
      emptyLists: 'lists holding no vector',
      emptyExpected: 'empty lists random filling would leave',
      largestList: 'size of the largest list and its share of all vectors',
      vectorsPerList: 'vectors per list on average',
      degenerateLists: 'lists whose sampled vectors are near-copies of each other',
      listsMeasured: 'lists with enough sampled vectors to measure their spread',
    },
    labels: ['No.8'],
    requiredArtifacts: ['index', 'rowStats', 'sample', 'settings'],
    fix: 'Retrain the IVF on deduplicated, current data with nlist ≈ √N (at least 39 training points per list), then re-add the vectors: `vectorclinic rebuild <vectors> --dedup`.',
  },
  run(artifacts, context) {
    const ivf = artifacts.index?.ivf;
    if (!ivf || ivf.nlist < 2) {
      const type = artifacts.index?.type ?? 'unknown';
      if (ivf) return notRun(`this ${type} index has a single list: there is nothing to balance`);
      return notRun(/ivf/i.test(type) ? `the list sizes of this ${type} index could not be read from the store` : `this ${type} index has no inverted lists (IVF) to balance`);
    }
    const sizes = Array.from(ivf.listSizes, Number);
    const total = sizes.reduce((a, b) => a + b, 0);
    // Fewer vectors than lists is empty-index's finding.
    if (total < ivf.nlist) return null;
    const results: CheckResult[] = [];
    const squares = sizes.reduce((sum, n) => sum + n * n, 0);
    const imbalance = (ivf.nlist * squares) / (total * total);
    const randomFill = 1 + ivf.nlist / total;
    const excess = imbalance - randomFill + 1;
    const empty = sizes.filter((n) => n === 0).length;
    const emptyExpected = ivf.nlist * Math.exp(-total / ivf.nlist);
    const emptyShare = empty / ivf.nlist;
    const emptyBeyondChance = empty - emptyExpected >= Math.max(2, EMPTY_SHARE_WARN * ivf.nlist);
    const largest = Math.max(...sizes);
    const perList = total / ivf.nlist;
    const base = {
      nlist: ivf.nlist,
      imbalanceFactor: round(imbalance, 4),
      randomFillFactor: round(randomFill, 4),
      emptyLists: empty,
      emptyExpected: round(emptyExpected, 2),
      largestList: { size: largest, share: round(largest / total, 4) },
      vectorsPerList: round(perList, 2),
    };
    if (excess >= IMBALANCE_WARN || emptyBeyondChance) {
      const failing = excess >= IMBALANCE_FAIL || (emptyBeyondChance && emptyShare >= EMPTY_SHARE_FAIL);
      results.push({
        severity: failing ? 'fail' : 'warn',
        message:
          `The ${count(ivf.nlist)} lists are unbalanced: imbalance factor ${figure(imbalance, 3)} (random filling gives ${figure(randomFill, 3)}), so searches scan about ${figure(excess, 2)}× the vectors a balanced index would; ` +
          `the largest list holds ${count(largest)} vectors (${percent(largest / total, 1)}) and ${count(empty)} lists (${percent(emptyShare, 0)}) are empty${emptyExpected >= 0.5 ? ` where chance leaves about ${figure(emptyExpected, 2)}` : ''}.`,
        evidence: base,
      });
    }
    if (perList < MIN_POINTS_PER_CENTROID) {
      results.push({
        severity: 'warn',
        message: `The index holds ${figure(perList, 3)} vectors per list; if its ${count(ivf.nlist)} centroids were trained on these vectors, k-means had fewer than the ${MIN_POINTS_PER_CENTROID} points per centroid FAISS asks for, so the centroids are noisy.`,
        evidence: base,
        fix: `Use fewer lists (nlist ≈ √N, here about ${Math.max(1, Math.round(Math.sqrt(total)))}) or train on more vectors, then re-add the vectors.`,
      });
    }
    const degenerate = degenerateLists(ivfSample(artifacts, context));
    if (degenerate && degenerate.lists.length >= Math.max(2, DEGENERATE_SHARE_WARN * degenerate.measured)) {
      results.push({
        severity: 'warn',
        message: `${count(degenerate.lists.length)} of ${count(degenerate.measured)} lists measured hold near-identical vectors (spread under ${percent(DEGENERATE_SPREAD, 0)} of the typical list's): k-means spent those centroids on duplicated content, which leaves fewer lists for everything else.`,
        evidence: { ...base, degenerateLists: degenerate.lists.slice(0, 20), listsMeasured: degenerate.measured },
      });
    }
    if (results.length === 0) return null;
    const labels: Label[] = duplicatesPresent(artifacts, context) ? ['No.14'] : [];
    return results.map((result) => ({ ...result, extraLabels: labels }));
  },
});

/** Lists (with enough sampled rows) whose mean squared distance to their own mean is tiny next to the median list's. */
function degenerateLists(sample: IvfSample | undefined): { lists: number[]; measured: number } | undefined {
  if (!sample) return undefined;
  const { dim, count: rows, vectors, lists } = sample;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < rows; i++) {
    const group = groups.get(lists[i] as number);
    if (group) group.push(i);
    else groups.set(lists[i] as number, [i]);
  }
  const spreads: { list: number; spread: number }[] = [];
  for (const [list, members] of groups) {
    if (members.length < MIN_ROWS_PER_MEASURED_LIST) continue;
    const mean = new Float64Array(dim);
    for (const i of members) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (vectors[i * dim + j] as number) / members.length;
    let spread = 0;
    for (const i of members) for (let j = 0; j < dim; j++) spread += ((vectors[i * dim + j] as number) - (mean[j] as number)) ** 2;
    spreads.push({ list, spread: spread / members.length });
  }
  if (spreads.length < 4) return undefined;
  const sorted = spreads.map((entry) => entry.spread).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return {
    lists: spreads
      .filter((entry) => entry.spread < DEGENERATE_SPREAD * median)
      .map((entry) => entry.list)
      .sort((a, b) => a - b),
    measured: spreads.length,
  };
}

/** Duplicate rows at duplicate-rows' warning level: exact copies in the scan, or near-copies in the sample. */
function duplicatesPresent(artifacts: Artifacts, context: CheckContext): boolean {
  const exact = artifacts.rowStats.duplicates;
  if (exact.rowsHashed > 0 && exact.duplicateRows / exact.rowsHashed >= DUPLICATE_SHARE) return true;
  const near = nearDuplicates(artifacts, context);
  return near !== undefined && near.rowsChecked > 0 && near.redundantRows / near.rowsChecked >= DUPLICATE_SHARE;
}
