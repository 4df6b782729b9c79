import { UsageError } from '../../errors.js';

export type { StoreTarget } from './store-target.js';
import type { Metric } from '../../core/policy.js';
import { quoteIdent } from '../../engines/pgvector/sql-session.js';
import { flattenParams, type IndexParams } from '../params.js';
import type { IndexType } from '../types.js';
import { duckdbTarget } from './duckdb/target.js';
import { parseDuckdbOut } from './duckdb/out-url.js';
import { refuseWhitening, type StoreTarget } from './store-target.js';
import { applyLancedbRebuild } from './lancedb/apply.js';
import { parseLancedbOut, type LancedbOut } from './lancedb/out-url.js';
import type { RebuildOptions } from '../types.js';
import { applyPgvectorRebuild } from './pgvector/apply.js';
import { parsePgvectorOut, type PgvectorOut } from './pgvector/out-url.js';
import { createIndexStatement, opclassFor, qualifiedRelation } from './pgvector/write-table.js';
import { sqliteTarget } from './sqlite/target.js';
import { parseSqliteOut } from './sqlite/out-url.js';

const PGVECTOR_TYPES: readonly IndexType[] = ['hnsw', 'ivfflat', 'flat'];

/** The store target `--out` names, or undefined for a file output. Checks the index type against the engine. */
export function storeTargetFor(options: Pick<RebuildOptions, 'out' | 'source' | 'index' | 'metric' | 'whiten' | 'dedup' | 'hnsw'>): StoreTarget | undefined {
  const lancedb = parseLancedbOut(options.out);
  if (lancedb) return lancedbTarget(lancedb, options);
  const duckdb = parseDuckdbOut(options.out);
  if (duckdb) return duckdbTarget(duckdb, options);
  const sqlite = parseSqliteOut(options.out);
  if (sqlite) {
    refuseWhitening(options, 'SQLite');
    return sqliteTarget(sqlite, options);
  }
  const pgvector = parsePgvectorOut(options.out);
  if (!pgvector) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(options.out)?.[1]?.toLowerCase();
    if (scheme && scheme !== 'file') {
      throw new UsageError(`rebuild cannot write into ${scheme}:// stores`, {
        where: '--out',
        hint: 'write postgres://…?table=T, pglite://DIR?table=T, lancedb://DIR/TABLE, sqlite://PATH?table=T, duckdb://FILE?table=T, or an index file',
      });
    }
    return undefined;
  }
  if (!PGVECTOR_TYPES.includes(options.index)) {
    throw new UsageError(`pgvector cannot build a ${options.index} index`, { where: '--index', hint: `pgvector builds: ${PGVECTOR_TYPES.join(', ')} (ivfflat is its IVF index; it has no product quantization)` });
  }
  refuseWhitening(options, 'pgvector');
  const inPlace = sameTable(options.source, pgvector.identity);
  return {
    engine: 'pgvector',
    shown: pgvector.shown,
    inPlace,
    writeSteps: (params, metric) => [
      inPlace
        ? `in ONE transaction on ${pgvector.shown}: lock out writers (readers go on), delete rejected/folded rows, rewrite changed vectors (other columns kept), drop the old vector index`
        : `in ONE transaction: CREATE TABLE ${pgvector.table} (id, ${pgvector.column} vector(d)${options.dedup ? ', aliases text[]' : ''}) and insert the rows`,
      pgvectorIndexLine(pgvector, params, metric),
      'verify the table holds exactly the accepted rows and the index is valid',
      "write the policy manifest as the vector column's comment, then COMMIT (a crash before COMMIT changes nothing)",
    ],
    apply: (source, description, plan, rebuildOptions) => applyPgvectorRebuild({ source, description, plan, options: rebuildOptions, out: pgvector, inPlace }),
  };
}

const LANCEDB_TYPES: readonly IndexType[] = ['hnsw', 'ivfpq', 'ivfflat', 'flat'];

function lancedbTarget(out: LancedbOut, options: Pick<RebuildOptions, 'source' | 'index' | 'whiten' | 'dedup'>): StoreTarget {
  if (!LANCEDB_TYPES.includes(options.index)) throw new UsageError(`LanceDB cannot build a ${options.index} index`, { where: '--index', hint: `LanceDB builds: ${LANCEDB_TYPES.join(', ')}` });
  refuseWhitening(options, 'LanceDB');
  let inPlace = false;
  try {
    inPlace = parseLancedbOut(options.source)?.identity === out.identity;
  } catch {
    inPlace = false;
  }
  const names: Readonly<Record<IndexType, string>> = { hnsw: 'IVF_HNSW_SQ (one partition)', ivfpq: 'IVF_PQ', ivfflat: 'IVF_FLAT', flat: 'no index (flat scans)' };
  return {
    engine: 'lancedb',
    shown: out.shown,
    inPlace,
    lockTarget: out.tableDir,
    writeSteps: (params) => [
      `write a staging table beside ${out.table}${inPlace ? ' (every other column kept, rows taken by offset)' : ` (id, ${out.column ?? 'vector'}${options.dedup ? ', aliases' : ''})`}, the manifest in the vector field's metadata`,
      `${params.type === 'flat' ? 'no index' : `createIndex ${names[params.type]}`}: ${
        Object.entries(flattenParams(params))
          .map(([key, value]) => `${key} ${value}`)
          .join(', ') || 'exact search'
      }`,
      'verify the staging table holds exactly the accepted rows and the index exists (and that the table did not change meanwhile)',
      `swap it in: journal, then rename ${out.table}.lance aside and the staging table into its place (killed before: the table is untouched; between the renames: the next run finishes the swap)`,
    ],
    apply: (source, description, plan, rebuildOptions) => applyLancedbRebuild({ source, description, plan, options: rebuildOptions, out, inPlace }),
  };
}

function pgvectorIndexLine(out: PgvectorOut, params: IndexParams, metric: Metric): string {
  const statement = createIndexStatement(qualifiedRelation(out.schema, out.table), quoteIdent(out.column), opclassFor('vector', metric), params);
  if (!statement) return 'no vector index (flat: every query is an exact scan)';
  const knob = params.type === 'hnsw' ? `SET hnsw.ef_search = ${params.hnsw.efSearch}` : params.type === 'ivfflat' ? `SET ivfflat.probes = ${params.ivfflat.probes}` : '';
  return `${statement} (halfvec columns get halfvec_* operator classes); queries should ${knob} (recorded in the manifest)`;
}

function sameTable(source: string, identity: string): boolean {
  try {
    return parsePgvectorOut(source)?.identity === identity;
  } catch {
    return false;
  }
}
