import type { Connection, Index, Table as LanceTable } from '@lancedb/lancedb';
import type { Field, Table } from 'apache-arrow';
import { existsSync } from 'node:fs';
import type { Metric } from '../../../core/policy.js';
import { InputError, StoreError } from '../../../errors.js';
import { storeRebuildManifest } from '../store-rebuild-manifest.js';
import { encodeStoreManifest, MANIFEST_METADATA_KEY } from '../../../manifest/store-manifest.js';
import type { SourceDescription, VectorSource } from '../../../sources/source.js';
import { loadDriver } from '../../../engines/drivers.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { loadThroughGuard } from '../../load.js';
import { indexParamsFor, type IndexParams } from '../../params.js';
import { cleanAndTransform, type CleanedRows } from '../../prepare.js';
import { reachStep } from '../../steps.js';
import type { RebuildOptions, RebuildPlan, RebuildResult } from '../../types.js';
import { newTableBatch, newTableSchema, replaceVectors, vectorField } from './arrow-rows.js';
import { DEFAULT_LANCE_COLUMN, type LancedbOut } from './out-url.js';
import { finishSwap, recoverInterrupted, stagingTableName, swapIn, writeSwapJournal } from './swap.js';
import { documentIdsFor } from '../../../manifest/document-ids.js';
import { readManifest } from '../../../manifest/manifest.js';
import { writeSummary } from '../write-summary.js';

type Applied = NonNullable<RebuildResult['applied']>;

export interface LancedbRebuildJob {
  readonly source: VectorSource;
  readonly description: SourceDescription;
  readonly plan: RebuildPlan;
  readonly options: RebuildOptions;
  readonly out: LancedbOut;
  readonly inPlace: boolean;
}

/** Rows per write into the staging table (and per take from the table being rebuilt). */
const WRITE_ROWS = 8192;
/** LanceDB's advice: one HNSW graph works for most tables; more partitions only bound training memory. */
const HNSW_PARTITIONS = 1;
/** Lance's distance names. */
const DISTANCE: Readonly<Record<Metric, 'cosine' | 'dot' | 'l2'>> = { cosine: 'cosine', ip: 'dot', l2: 'l2' };

/**
 * Rebuild a LanceDB table: guard → clean → normalize → write a complete staging table (rows, the
 * manifest in the vector field's metadata, the index built by LanceDB's createIndex) → verify →
 * swap it in (journal, then two directory renames). Killed before the swap, the table is untouched
 * (the next run removes the staging table); killed between the renames, the next run finishes it.
 * In place (the source is this table) every other column is kept; rows are taken by offset.
 */
export async function applyLancedbRebuild(job: LancedbRebuildJob): Promise<Applied> {
  const startedAt = performance.now();
  const { source, description, plan, options, out, inPlace } = job;
  const recovered = recoverInterrupted(out);
  if (!existsSync(out.databaseDir)) throw new InputError(`no LanceDB database directory ${out.databaseDir}`, { where: out.shown, hint: 'create the directory first (lancedb.connect() takes it)' });
  const lancedb = await loadDriver('@lancedb/lancedb', out.shown);
  let connection: Connection | undefined;
  let staging: LanceTable | undefined;
  let original: LanceTable | undefined;
  const stagingName = stagingTableName(out);
  try {
    connection = await lancedb.connect(out.databaseDir);
    const names = await connection.tableNames();
    if (!inPlace && names.includes(out.table)) {
      throw new StoreError(`table ${out.table} already exists`, { where: out.shown, hint: 'write a new table and point the application at it, or rebuild this table in place by giving the same URL as the source' });
    }
    original = inPlace ? await connection.openTable(out.table) : undefined;
    const versionAtRead = original ? await original.version() : undefined;
    const documentIds = inPlace ? undefined : documentIdsFor(readManifest(options.source), description.rows, options).ids?.map((entry) => entry[0] as string);

    await reachStep('load', options.onStep);
    const dim = options.dim ?? description.dim;
    const loaded = await loadThroughGuard(source, description, { dim, metric: options.metric, normalize: plan.normalize, ...(options.quarantine ? { quarantine: options.quarantine } : {}) });
    if (loaded.count === 0) throw new InputError('every row was rejected: nothing to index', { where: description.target, hint: 'see the guard counts in the plan; the embedding step is broken' });
    const { cleaned, reference } = await cleanAndTransform(loaded, plan, options);
    const params = indexParamsFor(options, cleaned.count, dim);
    const column = inPlace ? (out.column ?? (await vectorColumnOf(original as LanceTable, dim, out))) : (out.column ?? DEFAULT_LANCE_COLUMN);
    const manifest = storeRebuildManifest({
      dim,
      options,
      plan,
      loaded,
      cleaned,
      reference,
      index: { engine: 'lancedb', type: params.type, params: lanceParams(params, options.metric) },
      build: { source: description.target, inPlace, sourceRows: description.rows },
    });
    const field = vectorField(column, dim, encodeStoreManifest(manifest));

    await reachStep('build', options.onStep);
    const positions = Array.from(cleaned.cleaning.keep, (position) => loaded.sourceRows[position] as number);
    for (let start = 0; start < cleaned.count; start += WRITE_ROWS) {
      const end = Math.min(cleaned.count, start + WRITE_ROWS);
      const batches: Table[] = original
        ? replaceVectors(await original.takeOffsets(positions.slice(start, end)).toArrow(), { columnName: column, vector: field, data: cleaned.data, dim, start })
        : [
            newRowsBatch(cleaned, {
              field,
              documentIds,
              positions,
              start,
              end,
              aliasesOf: options.dedup ? (position) => (cleaned.cleaning.folded.get(position) ?? []).map((p) => idOf(documentIds, loaded.sourceRows[p] as number)) : undefined,
            }),
          ];
      for (const batch of batches) {
        if (staging) await staging.add(batch);
        else staging = await connection.createTable(stagingName, batch);
      }
    }
    const indexConfig = lanceIndex(lancedb.Index, params, options.metric);
    if (indexConfig && staging) await staging.createIndex(column, { config: indexConfig, replace: true });

    await reachStep('verify', options.onStep);
    const ntotal = await (staging as LanceTable).countRows();
    if (ntotal !== cleaned.count) throw new StoreError(`the staging table holds ${ntotal} rows, ${cleaned.count} were accepted`, { where: out.shown, hint: 'the table was left untouched' });
    const indexName = await verifyIndex(staging as LanceTable, column, params, out);
    if (original && versionAtRead !== undefined) {
      await original.checkoutLatest();
      if ((await original.version()) !== versionAtRead)
        throw new StoreError(`table ${out.table} changed while it was rebuilt (version ${versionAtRead} → ${await original.version()})`, {
          where: out.shown,
          hint: 'the rows written meanwhile would be lost: stop the writers and run the rebuild again',
        });
    }
    staging?.close();
    original?.close();
    staging = undefined;
    original = undefined;

    await reachStep('sidecars', options.onStep);
    const journal = writeSwapJournal(out, stagingName);
    await reachStep('commit-index', options.onStep);
    swapIn(out, journal);
    await reachStep('commit-manifest', options.onStep);
    await reachStep('cleanup', options.onStep);
    finishSwap(out, journal);
    return {
      ...writeSummary({
        accepted: loaded.count,
        rejected: loaded.totals.rejected,
        cleaned,
        ntotal,
        manifest: `metadata '${MANIFEST_METADATA_KEY}' of field ${column} in ${out.table}${indexName ? ` (index ${indexName})` : ''}`,
        ids: inPlace ? `the table's own rows (other columns kept)` : `column id of ${out.table}${options.dedup ? ' (folded duplicates in aliases)' : ''}`,
        staleTempsRemoved: recovered,
      }),
      seconds: Math.round((performance.now() - startedAt) / 100) / 10,
    };
  } catch (error) {
    staging?.close();
    original?.close();
    await connection?.dropTable(stagingName).catch(() => undefined);
    throw storeFailure(out.shown, 'rebuild the LanceDB table', error);
  } finally {
    connection?.close();
  }
}

function idOf(documentIds: readonly string[] | undefined, row: number): string {
  return documentIds ? (documentIds[row] as string) : String(row);
}

/** Cleaned rows `start..end` of a new table: `positions` maps each to its source row, whose document id it takes (else the row number). */
interface NewRowsSlice {
  readonly field: Field;
  readonly documentIds: readonly string[] | undefined;
  readonly positions: readonly number[];
  readonly start: number;
  readonly end: number;
  /** The folded ids a kept row (by its position among the loaded rows) stands for; set when deduplicating. */
  readonly aliasesOf: ((position: number) => string[]) | undefined;
}

function newRowsBatch(cleaned: CleanedRows, slice: NewRowsSlice): Table {
  const { field, documentIds, positions, start, end, aliasesOf } = slice;
  const schema = newTableSchema(Boolean(documentIds), field, Boolean(aliasesOf));
  const rows = positions.slice(start, end);
  const ids = documentIds ? rows.map((row) => documentIds[row] as string) : BigInt64Array.from(rows, (row) => BigInt(row));
  const aliases = aliasesOf ? Array.from(cleaned.cleaning.keep.subarray(start, end), aliasesOf) : undefined;
  return newTableBatch(schema, { ids, data: cleaned.data.subarray(start * cleaned.dim, end * cleaned.dim), dim: cleaned.dim, start: 0, end: end - start, aliases });
}

/** The table's vector column of this dimension (the one the source read). */
async function vectorColumnOf(table: LanceTable, dim: number, out: LancedbOut): Promise<string> {
  const fields = (await table.schema()).fields.filter((field) => String(field.type).startsWith('FixedSizeList') && (field.type as { listSize?: number }).listSize === dim);
  if (fields.length !== 1) throw new StoreError(`${fields.length} vector columns of dimension ${dim}: say which with ?column=`, { where: out.shown });
  return (fields[0] as { name: string }).name;
}

/** LanceDB's builder for the plan's index: hnsw → IVF_HNSW_SQ (one partition), ivfpq → IVF_PQ, ivfflat → IVF_FLAT. */
function lanceIndex(Index: typeof import('@lancedb/lancedb').Index, params: IndexParams, metric: Metric): Index | undefined {
  const distanceType = DISTANCE[metric];
  if (params.type === 'hnsw') return Index.hnswSq({ distanceType, m: params.hnsw.M, efConstruction: params.hnsw.efConstruction, numPartitions: HNSW_PARTITIONS });
  if (params.type === 'ivfpq') return Index.ivfPq({ distanceType, numPartitions: params.ivfpq.nlist, numSubVectors: params.ivfpq.m, numBits: params.ivfpq.nbits });
  if (params.type === 'ivfflat') return Index.ivfFlat({ distanceType, numPartitions: params.ivfflat.lists });
  return undefined;
}

/** The parameters recorded in the manifest, including the query-time knob the application should set. */
function lanceParams(params: IndexParams, metric: Metric): Record<string, number | string> {
  const distance = DISTANCE[metric];
  if (params.type === 'hnsw') return { index: 'IVF_HNSW_SQ', distance, m: params.hnsw.M, ef_construction: params.hnsw.efConstruction, num_partitions: HNSW_PARTITIONS, ef: params.hnsw.efSearch };
  if (params.type === 'ivfpq') return { index: 'IVF_PQ', distance, num_partitions: params.ivfpq.nlist, num_sub_vectors: params.ivfpq.m, num_bits: params.ivfpq.nbits, nprobes: params.ivfpq.nprobe };
  if (params.type === 'ivfflat') return { index: 'IVF_FLAT', distance, num_partitions: params.ivfflat.lists, nprobes: params.ivfflat.probes };
  return { distance };
}

async function verifyIndex(table: LanceTable, column: string, params: IndexParams, out: LancedbOut): Promise<string | undefined> {
  if (params.type === 'flat') return undefined;
  const indexes = await table.listIndices();
  const found = indexes.find((index) => index.columns.includes(column));
  if (!found) throw new StoreError(`the ${params.type} index on ${column} is missing after createIndex`, { where: out.shown, hint: 'the table was left untouched' });
  return found.name;
}
