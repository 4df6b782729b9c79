import { UsageError } from '../../../errors.js';
import type { RebuildOptions } from '../../types.js';
import { refuseWhitening, type StoreTarget } from '../store-target.js';
import { applyDuckdbRebuild } from './apply.js';
import { DEFAULT_DUCKDB_COLUMN, sameDuckdbTable, type DuckdbOut } from './out-url.js';

/**
 * A DuckDB table as a rebuild output. DuckDB has no vector index here (the vss extension's HNSW
 * is a download, and experimental on disk): the rebuild writes clean rows, and every search is
 * DuckDB's exact scan, so `--index flat` is the only honest choice.
 */
export function duckdbTarget(out: DuckdbOut, options: Pick<RebuildOptions, 'source' | 'index' | 'whiten' | 'dedup'>): StoreTarget {
  if (options.index !== 'flat') {
    throw new UsageError(`DuckDB builds no ${options.index} index here`, {
      where: '--index',
      hint: 'use --index flat: DuckDB searches by exact scan (array_cosine_distance, array_distance), so recall is exact; its vss HNSW extension is a download vectorclinic does not install',
    });
  }
  refuseWhitening(options, 'DuckDB');
  const inPlace = sameDuckdbTable(options.source, out);
  const column = out.column ?? (inPlace ? 'the vector column' : DEFAULT_DUCKDB_COLUMN);
  return {
    engine: 'duckdb',
    shown: out.shown,
    inPlace,
    writeSteps: () => [
      inPlace
        ? `in ONE transaction on ${out.shown}: write the accepted rows into a new table beside ${out.table} (${column} as FLOAT[d], every other column kept, rows without a vector kept), drop the old table, rename the new one into its place and recreate its constraints, defaults, comments and indexes`
        : `in ONE transaction: CREATE TABLE ${out.table} (${out.idColumn ?? 'id'}, ${column} FLOAT[d]${options.dedup ? ', aliases VARCHAR[]' : ''}) and append the rows`,
      'no vector index to build: DuckDB answers vector queries by exact scan (array_cosine_distance / array_distance / array_negative_inner_product), so nothing is lost to an index',
      'verify the table holds exactly the accepted rows, as FLOAT[d]',
      "write the policy manifest as the vector column's comment, then COMMIT (DuckDB's DDL is transactional: a crash before COMMIT changes nothing)",
    ],
    apply: (source, description, plan, rebuildOptions) => applyDuckdbRebuild({ source, description, plan, options: rebuildOptions, out }, inPlace),
  };
}
