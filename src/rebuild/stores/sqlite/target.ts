import type { Metric } from '../../../core/policy.js';
import type { IndexParams } from '../../params.js';
import type { RebuildOptions } from '../../types.js';
import type { StoreTarget } from '../store-target.js';
import { applySqliteRebuild, DEFAULT_LAYOUT, KIND_OF } from './apply.js';
import { sqliteSourceIdentity, type SqliteOut } from './out-url.js';
import { assertLayoutFits, libsqlIndexOptions } from './write-table.js';

/** sqlite://PATH?table=T as a rebuild output: the table rebuilt in place when it is the source, else a new table. */
export function sqliteTarget(out: SqliteOut, options: Pick<RebuildOptions, 'source' | 'dedup' | 'index' | 'metric' | 'hnsw'>): StoreTarget {
  const inPlace = sqliteSourceIdentity(options.source) === out.identity;
  const layout = out.layout ?? DEFAULT_LAYOUT;
  // In place the table's own layout decides (read when applying); a new table's is known now.
  assertLayoutFits(inPlace ? 'f32-blob' : KIND_OF[layout], options.index, options.metric, out.shown);
  return {
    engine: 'sqlite',
    shown: out.shown,
    readTarget: out.readTarget,
    inPlace,
    // SQLite serializes writers itself: the rebuild holds its write transaction (BEGIN IMMEDIATE) throughout.
    writeSteps: (params, metric) => [
      inPlace
        ? `in ONE write transaction on ${out.shown} (other writers wait, readers see the old table until COMMIT): delete rejected/folded rows, rewrite changed vectors (other columns kept), drop the column's libsql vector indexes; a vec0 table with another distance_metric is declared again under its name`
        : `in ONE write transaction: create table ${out.table} (id, ${out.column ?? 'embedding'} as ${layoutName(layout, metric)}${options.dedup ? ', aliases' : ''}) and insert the rows`,
      indexLine({ params, metric, asked: options.hnsw, layout: inPlace ? undefined : layout }),
      'verify the table holds exactly the accepted rows, all of the policy dimension, and the index exists',
      'record the manifest in the vectorclinic_manifest table of the same file, then COMMIT (a crash before COMMIT changes nothing)',
    ],
    apply: (source, description, plan, rebuildOptions) => applySqliteRebuild({ source, description, plan, options: rebuildOptions, out, inPlace }),
  };
}

function layoutName(layout: string, metric: Metric): string {
  if (layout === 'vec0') return `a sqlite-vec vec0 float[d] column, distance_metric=${metric}`;
  return layout === 'f32_blob' ? 'libsql F32_BLOB(d)' : 'a float32 BLOB';
}

function indexLine(line: { params: IndexParams; metric: Metric; asked: RebuildOptions['hnsw']; layout: string | undefined }): string {
  if (line.params.type === 'hnsw') {
    const options = Object.entries(libsqlIndexOptions(line.asked, line.metric)).map(([key, value]) => `'${key}=${value}'`);
    return `CREATE INDEX … (libsql_vector_idx(column, ${options.join(', ')})): libsql's DiskANN graph (--m → max_neighbors 2·M, --ef-construction → insert_l, --ef-search → search_l; libsql's defaults otherwise)`;
  }
  return line.layout === 'vec0' ? 'no index to build: vec0 KNN is an exact scan' : 'no vector index (flat: every query is an exact scan; a vec0 table keeps its exact KNN)';
}
