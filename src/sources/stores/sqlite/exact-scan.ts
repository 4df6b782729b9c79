import { keySql } from '../../../engines/sqlite/search-sql.js';
import type { Metric } from '../../../core/policy.js';
import { exactSearch, TopKSelector } from '../../../math/top-k.js';
import { SearchBudgetExceeded } from '../../search-budget.js';
import type { SearchRequest, SearchResult } from '../../source.js';
import type { SqliteCatalog } from '../../../engines/sqlite/catalog.js';
import type { SqliteReader } from '../../../engines/sqlite/session.js';
import { blobVector, sameDimension } from '../../../engines/sqlite/vector-sql.js';

/** Rows per block of the one-pass exact search. */
const BATCH_ROWS = 4096;
/** The pass's end is projected from its speed after this many blocks. */
const PROJECT_AFTER = 3;

/**
 * Exact top-k for every audit query in ONE pass over the table (rowid and vector, read once),
 * scored client-side: Q per-query full scans become one. Rows a cosine ranking cannot place (zero
 * or NaN vectors: libsql's distance is NULL, sorted last) are left out, as the per-query SQL does.
 * Throws SearchBudgetExceeded as soon as the pass is projected to end after the request's deadline.
 */
export async function exactSearchByScan(session: SqliteReader, catalog: SqliteCatalog, options: { metric: Metric; dim: number; totalRows: number }, request: SearchRequest): Promise<SearchResult> {
  const { metric, dim, totalRows } = options;
  const { queries, count, k } = request;
  const selectors = Array.from({ length: count }, () => new TopKSelector(k));
  const ids: string[] = [];
  const pages = session.pages<{ id: string; v: unknown }>({
    select: `CAST(${keySql(catalog)} AS TEXT) AS id, ${catalog.columnSql} AS v`,
    relation: catalog.relation,
    key: keySql(catalog),
    where: sameDimension(catalog.columnSql, dim),
    batch: BATCH_ROWS,
  });
  const block = new Float32Array(BATCH_ROWS * dim);
  const started = performance.now();
  let blocks = 0;
  for await (const page of pages) {
    const first = ids.length;
    const unrankable = new Set<number>();
    const n = page.length;
    page.forEach((row, i) => {
      const vector = blobVector(row.v) ?? new Float32Array(dim);
      block.set(vector, i * dim);
      ids.push(row.id);
      if (!rankable(vector, metric)) unrankable.add(i);
    });
    const lists = exactSearch({ data: queries, count, dim }, { data: block.subarray(0, n * dim), count: n, dim }, { metric, k, exclude: unrankable });
    for (let q = 0; q < lists.queries; q++) {
      for (let i = 0; i < lists.k; i++) {
        const index = lists.ids[q * lists.k + i] as number;
        if (index >= 0) (selectors[q] as TopKSelector).offer(first + index, lists.scores[q * lists.k + i] as number);
      }
    }
    blocks++;
    if (request.deadline !== undefined && blocks >= PROJECT_AFTER) {
      const now = performance.now();
      const projectedEnd = started + ((now - started) * totalRows) / ids.length;
      if (projectedEnd > request.deadline) throw new SearchBudgetExceeded('exact scan', (projectedEnd - started) / 1000, ids.length, totalRows);
    }
  }
  const picked = new Int32Array(k);
  const scores = new Float32Array(k);
  return {
    ids: selectors.map((selector) => {
      selector.write(picked, scores, 0);
      return Array.from(picked)
        .filter((index) => index >= 0)
        .map((index) => ids[index] as string);
    }),
  };
}

/** A row a ranking by `metric` can place: finite, and not all zero under cosine. */
function rankable(vector: Float32Array, metric: Metric): boolean {
  let nonzero = false;
  for (const value of vector) {
    if (!Number.isFinite(value)) return false;
    if (value !== 0) nonzero = true;
  }
  return nonzero || metric !== 'cosine';
}
