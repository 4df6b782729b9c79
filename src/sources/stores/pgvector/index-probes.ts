import type { Metric } from '../../../core/policy.js';
import type { ListBalanceEstimate, QueryPlanCheck } from '../../source.js';
import type { PgvectorCatalog, PgvectorIndex } from '../../../engines/pgvector/catalog.js';
import { operatorFor } from '../../../engines/pgvector/opclasses.js';
import { readOnlyTransaction, toCount, type SqlSession } from '../../../engines/pgvector/sql-session.js';
import { formatVectorText } from '../../../engines/pgvector/vector-text.js';

/**
 * Sampled rows whose own list is counted. A list holding a share s of the rows is hit by about
 * s of the probes, so a list with a third of the rows shows up in 16 probes with near certainty.
 */
export const LIST_PROBES = 16;
/** Stop counting a list at this many times the mean list size: beyond it the verdict is the same. */
const LIST_CAP_FACTOR = 50;

/**
 * Estimate ivfflat list sizes without reading index pages: with probes = 1 an index scan returns
 * exactly the rows of the list nearest the query, so searching with a stored row counts the rows
 * in that row's own list. Rows land in lists in proportion to list size, so the mean count is
 * Σn²/N and nlist·mean/N is the usual imbalance factor nlist·Σn²/N².
 */
export async function probeListBalance(session: SqlSession, catalog: PgvectorCatalog, index: PgvectorIndex, probes: readonly Float32Array[], vectorRows: number): Promise<ListBalanceEstimate | undefined> {
  const lists = index.options.lists ?? 0;
  if (index.method !== 'ivfflat' || lists <= 0 || vectorRows === 0 || probes.length === 0) return undefined;
  const cap = Math.min(vectorRows, Math.max(1000, Math.ceil((LIST_CAP_FACTOR * vectorRows) / lists)));
  const schema = catalog.extensionSchema;
  const where = index.predicate ? `WHERE ${index.predicate}` : '';
  const sizes = await readOnlyTransaction(session, async () => {
    await session.query("SELECT set_config('ivfflat.probes', '1', true), set_config('enable_seqscan', 'off', true)");
    // pgvector ≥ 0.8 can keep scanning further lists for filtered queries; the count must stop at one list.
    await session.query("SELECT set_config('ivfflat.iterative_scan', 'off', true)").catch(() => undefined);
    const counted: number[] = [];
    for (const vector of probes) {
      const [row] = await session.query<{ n: unknown }>(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${catalog.relation} ${where} ORDER BY ${index.orderExpression} OPERATOR(${schema}.${index.distance.operator}) $1::${schema}.${index.storedType} LIMIT ${cap}) s`,
        [formatVectorText(vector, index.storedType)],
      );
      counted.push(toCount(row?.n));
    }
    return counted;
  });
  const mean = sizes.reduce((sum, n) => sum + n, 0) / sizes.length;
  const largest = Math.max(...sizes);
  return {
    imbalance: (lists * mean) / vectorRows,
    probedRows: sizes.length,
    largestList: largest,
    largestShare: largest / vectorRows,
    capped: sizes.some((n) => n >= cap && cap < vectorRows),
  };
}

/**
 * How Postgres plans a top-10 query ordering the indexed expression by the declared metric's
 * operator: does any vector index serve it? Sequential scans are disabled for the EXPLAIN so that only "no index can
 * serve this operator" (a wrong operator class) leaves a Seq Scan, not the planner's cost choice.
 */
export async function explainDeclaredQuery(session: SqlSession, catalog: PgvectorCatalog, index: PgvectorIndex, declared: Metric, query: Float32Array): Promise<QueryPlanCheck | undefined> {
  const operator = operatorFor(declared);
  const schema = catalog.extensionSchema;
  const lines = await readOnlyTransaction(session, async () => {
    await session.query("SELECT set_config('enable_seqscan', 'off', true)");
    return session.query<Record<string, string>>(
      `EXPLAIN SELECT ${catalog.key.sql} FROM ${catalog.relation} ORDER BY ${index.orderExpression} OPERATOR(${schema}.${operator.operator}) $1::${schema}.${index.storedType} LIMIT 10`,
      [formatVectorText(query, index.storedType)],
    );
  });
  const plan = lines.map((line) => Object.values(line)[0] ?? '').map((line) => line.replace(/'\[[^\]]*\]'/g, "'[…]'"));
  const names = catalog.indexes.map((index) => index.name);
  const usesIndex = plan.some((line) => /Index (Only )?Scan/.test(line) && names.some((name) => line.includes(name)));
  const nodes = plan
    .map((line) =>
      line
        .replace(/^\s*(->)?\s*/, '')
        .replace(/\s+\(cost=.*$/, '')
        .replace(/\s+/g, ' '),
    )
    .filter((line) => line !== '');
  return { metric: declared, operator: operator.operator, usesIndex, plan: nodes.slice(0, 4).join(' → ') };
}
