import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import type { Rows } from '../core/rows.js';
import { kernels } from '../math/kernels.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { normalizedCopy, selectRows } from '../math/vectors.js';
import { centeredUnit, crossMatch, type CrossMatch } from './model-relation.js';
import { MIN_PART_ROWS, RELATION_MAX } from './model-split.js';
import { unitValidSample, validQueries, validSample } from './valid-sample.js';

/**
 * Were the --queries embedded by the store's model? The store's own held-out rows set the
 * baseline: how far their best matches in the store rise above chance (see model-relation.ts).
 * Queries of the store's model rise well above chance too, even when they are shorter texts whose
 * geometry differs; another model's queries stay at chance.
 */
export interface QueryModelFit {
  /** Queries and held-out rows measured. */
  readonly queries: number;
  readonly heldOut: number;
  readonly pool: number;
  readonly query: CrossMatch;
  readonly baseline: CrossMatch;
  /** The queries' own structure (each query against the other queries). */
  readonly queryStructure: CrossMatch;
  /** query.excess / baseline.excess, and its one-sided upper bound. */
  readonly relation: number;
  readonly relationUpper: number;
  /** The queries' and held-out rows' best-match cosine (uncentered, as a search sees it): medians. */
  readonly queryBestMatchMedian: number;
  readonly heldOutBestMatchMedian: number;
  /** Cosine between the queries' mean direction and the store's. */
  readonly meanDirectionCosine: number;
  /** The test could be judged (enough queries, both sides structured). */
  readonly judged: boolean;
  readonly mismatch: boolean;
}

const MAX_QUERIES = 100;
const HELD_OUT = 100;
const POOL = 400;
const Z = 3.09;
const MIN_STRUCTURE = 0.05;

export function queryModelFit(artifacts: Artifacts, context: CheckContext): QueryModelFit | undefined {
  return context.memo('query-model-fit', () => {
    const queries = validQueries(artifacts, context);
    const store = validSample(artifacts, context);
    if (!queries) return undefined;
    return compareQueryModel({ queries, storeUnit: { data: unitValidSample(artifacts, context), count: store.count, dim: store.dim }, seed: artifacts.settings.seed });
  });
}

export interface QueryModelInput {
  /** Query rows: any norms, finite and non-zero. */
  readonly queries: Rows;
  /** Stored rows scaled to unit length. */
  readonly storeUnit: Rows;
  readonly seed: number;
}

/**
 * The test on plain matrices: queries against unit stored rows.
 * Used by `check` (its sample) and by `smoke` (a sample it reads from the target).
 */
export function compareQueryModel(input: QueryModelInput): QueryModelFit | undefined {
  const { data: queryData, count: queryCount, dim: queryDim } = input.queries;
  const { data: storeUnit, count: storeCount, dim } = input.storeUnit;
  const seed = input.seed;
  if (queryDim !== dim || queryCount < MIN_PART_ROWS || storeCount < 2 * MIN_PART_ROWS) return undefined;
  const rng = new Rng(seed ^ 0x9a7);
  // Held-out rows and the pool are disjoint; both centered on the store's mean.
  const heldOutCount = Math.min(HELD_OUT, Math.floor(storeCount / 2));
  const drawn = sampleIndices(storeCount, Math.min(storeCount, heldOutCount + POOL), rng);
  const isHeldOut = new Set(sampleIndices(drawn.length, heldOutCount, rng));
  const heldOutRows = drawn.filter((_, i) => isHeldOut.has(i));
  const poolRows = drawn.filter((_, i) => !isHeldOut.has(i));
  const storeCentered = centeredUnit(selectRows(storeUnit, dim, drawn), drawn.length, dim);
  const heldOut = selectRows(
    storeCentered,
    dim,
    drawn.map((_, i) => i).filter((i) => isHeldOut.has(i)),
  );
  const pool = selectRows(
    storeCentered,
    dim,
    drawn.map((_, i) => i).filter((i) => !isHeldOut.has(i)),
  );
  const queryPicked = sampleIndices(queryCount, Math.min(MAX_QUERIES, queryCount), rng);
  const queryUnit = normalizedCopy(selectRows(queryData, dim, queryPicked), queryPicked.length, dim);
  const queryCentered = centeredUnit(queryUnit, queryPicked.length, dim);
  const queries: Rows = { data: queryCentered, count: queryPicked.length, dim };
  const poolMatrix: Rows = { data: pool, count: poolRows.length, dim };
  const query = crossMatch(queries, poolMatrix, { rng });
  const baseline = crossMatch({ data: heldOut, count: heldOutRows.length, dim }, poolMatrix, { rng });
  const queryStructure = crossMatch(queries, queries, { rng, excludeSelf: (i, j) => i === j });
  const relation = query.excess / baseline.excess;
  const relationUpper = (query.excess + Z * query.excessError) / baseline.excess;
  const structured = (match: CrossMatch): boolean => match.excess - Z * match.excessError >= MIN_STRUCTURE;
  const judged = Number.isFinite(relation) && structured(baseline) && structured(queryStructure);
  const storeMatrix: Rows = { data: selectRows(storeUnit, dim, poolRows), count: poolRows.length, dim };
  return {
    queries: queryPicked.length,
    heldOut: heldOutRows.length,
    pool: poolRows.length,
    query,
    baseline,
    queryStructure,
    relation,
    relationUpper,
    queryBestMatchMedian: median(bestMatches({ data: queryUnit, count: queryPicked.length, dim }, storeMatrix)),
    heldOutBestMatchMedian: median(bestMatches({ data: selectRows(storeUnit, dim, heldOutRows), count: heldOutRows.length, dim }, storeMatrix)),
    meanDirectionCosine: meanDirectionCosine({ data: queryUnit, count: queryPicked.length, dim }, { data: selectRows(storeUnit, dim, drawn), count: drawn.length, dim }),
    judged,
    mismatch: judged && relationUpper < RELATION_MAX,
  };
}

function bestMatches(probeRows: Rows, baseRows: Rows): number[] {
  const { data: probes, count: probeCount, dim } = probeRows;
  const { data: base, count: baseCount } = baseRows;
  const scores = new Float32Array(probeCount * baseCount);
  kernels().dot({ data: probes, count: probeCount, dim }, { data: base, count: baseCount, dim }, scores);
  const out: number[] = [];
  for (let r = 0; r < probeCount; r++) {
    let best = -Infinity;
    for (let j = 0; j < baseCount; j++) best = Math.max(best, scores[r * baseCount + j] as number);
    out.push(best);
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n ? (n % 2 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2) : NaN;
}

function meanDirectionCosine(aRows: Rows, bRows: Rows): number {
  const { data: a, count: aCount, dim } = aRows;
  const { data: b, count: bCount } = bRows;
  const ma = new Float64Array(dim);
  const mb = new Float64Array(dim);
  for (let r = 0; r < aCount; r++) for (let j = 0; j < dim; j++) ma[j] = (ma[j] as number) + (a[r * dim + j] as number);
  for (let r = 0; r < bCount; r++) for (let j = 0; j < dim; j++) mb[j] = (mb[j] as number) + (b[r * dim + j] as number);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let j = 0; j < dim; j++) {
    dot += (ma[j] as number) * (mb[j] as number);
    na += (ma[j] as number) ** 2;
    nb += (mb[j] as number) ** 2;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : NaN;
}
