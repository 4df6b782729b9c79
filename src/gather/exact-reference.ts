import type { DeclaredPolicy, Metric } from '../core/policy.js';
import { UsageError } from '../errors.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { isSelfReferencing } from '../sources/self-reference.js';
import type { IndexDescription, SourceDescription, VectorSource } from '../sources/source.js';
import { AUDIT_K, type AuditQueries, type ExactReference, type StreamedExact } from './ann-audit.js';
import type { ReferenceVectors, VectorSample } from './artifacts.js';
import { isSearchable, searchableRows, StreamedExactSearch, streamedAuditQueries } from './streamed-exact.js';

/**
 * Exact search keeps its base in memory: 64M floats (256 MiB, 500k × 128) bound both memory and
 * the 100-query audit to a few seconds.
 */
const REFERENCE_MAX_FLOATS = 1 << 26;
/** Index rows whose stored vector is compared with the reference row its id maps to. */
const CONTENT_SAMPLE = 1000;
/**
 * A stored vector is "the same" as its reference row above this cosine: float16 and usearch's
 * int8 keep ≥ 0.999, while two different documents of a real model sit far lower (the shared
 * data's random pairs average 0.69).
 */
const SAME_CONTENT_COSINE = 0.98;
/** Ids in row-number range for at least this share of the index: its ids are reference row numbers. */
const ROW_NUMBER_SHARE = 0.9;
const EXAMPLES = 10;

export interface GatheredReference {
  readonly artifact: ReferenceVectors;
  /** The reference in memory for exact search; undefined when it is too large to hold. */
  readonly exact?: ExactReference;
  /** A reference too large to hold, with an audit asked for: its exact answers, computed during its scan. */
  readonly streamed?: { readonly queries: AuditQueries; readonly exact: StreamedExact };
}

/** Asked for when the index will be audited against the reference (its engine has no exact search of its own). */
export interface ReferenceAudit {
  /** The user's queries (--queries), used as audit queries when their dimension fits. */
  readonly queries?: VectorSample;
  /** Seconds the audit may take (--audit-budget). */
  readonly auditBudget?: number;
  /** References up to this many floats are held in memory, larger ones streamed (default REFERENCE_MAX_FLOATS). */
  readonly inMemoryFloats?: number;
  /** Rows of the reference scanned so far, while its exact answers are streamed. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ReferenceInput {
  /** The index file being checked, and what its scan learned about it. */
  readonly index: VectorSource;
  readonly description: SourceDescription;
  /** The --vectors file. */
  readonly reference: VectorSource;
  readonly declared: DeclaredPolicy;
  readonly seed: number;
  /** Present when the reference also gives the audit's exact answers. */
  readonly audit?: ReferenceAudit;
}

/**
 * The --vectors file (the embeddings the index was built from) against the index: how many rows
 * each holds, which ids are missing or extra, whether the stored vector of an id is the reference
 * row it maps to, and the exact answers for the ANN audit.
 *
 * Mapping rule: reference row r is id r (LangChain's hnswlib labels, usearch keys and FAISS IDMap
 * ids as users assign them: the row number of the embedding). When fewer than 90% of the index's
 * ids are row numbers of the reference, its ids were assigned some other way (offsets, hashes) and
 * reference row r is taken to be the index's r-th stored vector, with the id stored for it.
 */
export async function gatherReference(input: ReferenceInput): Promise<GatheredReference> {
  const { index, description, reference, declared, seed, audit } = input;
  const referenceDescription = await reference.describe();
  if (referenceDescription.dim !== description.dim) {
    throw new UsageError(`--vectors holds ${referenceDescription.dim}-dimensional vectors, the index ${description.dim}-dimensional ones`, {
      where: referenceDescription.target,
      hint: 'pass the embeddings this index was built from',
    });
  }
  const rows = referenceDescription.rows;
  const dim = description.dim;
  const keepData = rows * dim <= (audit?.inMemoryFloats ?? REFERENCE_MAX_FLOATS);
  const data = keepData ? new Float32Array(rows * dim) : undefined;
  const valid = new Uint8Array(rows);
  let validRows = 0;
  const indexInfo = description.index;
  const ids = indexInfo?.ids ? idsAsBigInt(indexInfo) : undefined;
  const mapping = chooseMapping(ids, rows);
  const metric = referenceMetric(indexInfo, declared);
  const referenceIds = (row: number): string | number | bigint => (mapping === 'position' && ids ? (ids[row] ?? BigInt(-1)) : row);
  // Too large to hold: the audit's exact answers are computed as this one scan goes.
  const streamQueries = !keepData && audit ? await streamedAuditQueries({ reference, rows, dim, queries: audit.queries, seed }) : undefined;
  const streamed = streamQueries
    ? await StreamedExactSearch.open({
        queries: streamQueries,
        metric,
        k: AUDIT_K,
        totalRows: rows,
        auditBudget: audit?.auditBudget,
        description: `exact ${metric} search over the valid rows of ${referenceDescription.target} (one pass for all queries)`,
        onProgress: audit?.onProgress,
      })
    : undefined;
  try {
    for await (const block of reference.scan()) {
      const validInBlock = searchableRows(block.data, block.count, dim);
      for (let i = 0; i < block.count; i++) {
        const row = block.rows ? (block.rows[i] as number) : block.start + i;
        if (validInBlock[i]) {
          valid[row] = 1;
          validRows++;
        }
        data?.set(block.data.subarray(i * dim, (i + 1) * dim), row * dim);
      }
      await streamed?.offer(block, (i) => validInBlock[i] === 1);
    }
  } catch (error) {
    await streamed?.close();
    throw error;
  }
  const coverage = mapping === 'row-number' ? rowNumberCoverage(ids, description.rows, rows, valid) : undefined;
  const content = await compareContent({ index, description, reference, data, mapping, ids, referenceRows: rows, seed });
  const deleted = typeof indexInfo?.params.deleted === 'number' ? indexInfo.params.deleted : 0;
  const artifact: ReferenceVectors = {
    target: referenceDescription.target,
    rows,
    validRows,
    dim,
    mapping,
    indexRows: description.rows,
    indexLiveRows: description.rows - deleted,
    ...(coverage ? { missingIds: coverage.missing, extraIds: coverage.extra } : {}),
    ...(content ? { content } : {}),
  };
  if (streamed && streamQueries) return { artifact, streamed: { queries: streamQueries, exact: await streamed.finish(referenceIds) } };
  if (!data) return { artifact };
  return { artifact, exact: exactFromRows({ data, valid, validRows, dim }, { idOf: referenceIds, metric, description: `exact ${metric} search over the ${validRows} valid rows of ${referenceDescription.target}` }) };
}

/** For an index audited against its own stored vectors: the audit's queries, chosen before the reference is built. */
export interface StoredAudit {
  readonly queries: AuditQueries;
  /** Seconds the audit may take (--audit-budget). */
  readonly auditBudget?: number;
  /** Indexes up to this many floats are searched in memory, larger ones streamed (default REFERENCE_MAX_FLOATS). */
  readonly inMemoryFloats?: number;
  /** Rows of the index scanned so far, while its exact answers are streamed. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The index's stored vectors as the exact reference, for index sources that can provide them:
 * in memory up to REFERENCE_MAX_FLOATS; beyond, with `audit`, the exact answers for its queries
 * in one streamed pass over the index.
 */
export async function storedVectorsReference(source: VectorSource, description: SourceDescription): Promise<ExactReference | undefined>;
export async function storedVectorsReference(source: VectorSource, description: SourceDescription, audit: StoredAudit | undefined): Promise<ExactReference | StreamedExact | undefined>;
export async function storedVectorsReference(source: VectorSource, description: SourceDescription, audit?: StoredAudit): Promise<ExactReference | StreamedExact | undefined> {
  return (await storedVectorsAnswer(source, description, audit)).exact;
}

/** The stored-vectors reference, and the index's description as deciding on it left it (trying its search may learn a fallback). */
export interface StoredReference {
  readonly exact?: ExactReference | StreamedExact;
  readonly learned?: SourceDescription;
}

/** As storedVectorsReference, with what the source learned on the way. */
export async function storedVectorsAnswer(source: VectorSource, description: SourceDescription, audit?: StoredAudit): Promise<StoredReference> {
  if (!isSelfReferencing(source)) return {};
  const plan = await source.selfReference();
  const learned = plan.learned;
  if (!plan.usable) return { learned };
  if (description.rows * description.dim > (audit?.inMemoryFloats ?? REFERENCE_MAX_FLOATS)) return { exact: audit ? await streamStoredVectors(source, description, plan, audit) : undefined, learned };
  const { dim, rows } = description;
  const data = new Float32Array(rows * dim);
  const valid = new Uint8Array(rows);
  let validRows = 0;
  for await (const block of source.scan()) {
    for (let i = 0; i < block.count; i++) {
      const row = block.rows ? (block.rows[i] as number) : block.start + i;
      const vector = block.data.subarray(i * dim, (i + 1) * dim);
      data.set(vector, row * dim);
      if (isSearchable(vector) && plan.idOf(row) !== undefined) {
        valid[row] = 1;
        validRows++;
      }
    }
  }
  return { exact: exactFromRows({ data, valid, validRows, dim }, { idOf: (row) => plan.idOf(row) as string | number | bigint, metric: plan.metric, description: plan.description }), learned };
}

async function streamStoredVectors(
  source: VectorSource,
  description: SourceDescription,
  plan: { readonly metric: Metric; readonly idOf: (row: number) => string | number | bigint | undefined; readonly description: string },
  audit: StoredAudit,
): Promise<StreamedExact> {
  const { dim } = description;
  const search = await StreamedExactSearch.open({
    queries: audit.queries,
    metric: plan.metric,
    k: AUDIT_K,
    totalRows: description.rows,
    auditBudget: audit.auditBudget,
    description: `${plan.description} (one pass for all queries)`,
    onProgress: audit.onProgress,
  });
  try {
    for await (const block of source.scan()) {
      const searchable = searchableRows(block.data, block.count, dim);
      await search.offer(block, (i) => searchable[i] === 1 && plan.idOf(block.rows ? (block.rows[i] as number) : block.start + i) !== undefined);
    }
  } catch (error) {
    await search.close();
    throw error;
  }
  return search.finish((row) => plan.idOf(row) as string | number | bigint);
}

/** The metric the index ranks by (cosine when it normalizes), else the declared one, else cosine. */
function referenceMetric(index: IndexDescription | undefined, declared: DeclaredPolicy): Metric {
  if (index?.normalizesInput) return 'cosine';
  if (index?.metric && index.metric !== 'other') return index.metric;
  return declared.metric ?? 'cosine';
}

/** Rows held in memory, with a flag per row that exact search ranks it (`validRows` flags set). */
interface FlaggedRows {
  readonly data: Float32Array;
  readonly valid: Uint8Array;
  readonly validRows: number;
  readonly dim: number;
}

/** The valid rows as the exact reference, each under the id `idOf` gives it. */
function exactFromRows(rows: FlaggedRows, answer: { readonly idOf: (row: number) => string | number | bigint; readonly metric: Metric; readonly description: string }): ExactReference {
  const { data, valid, validRows, dim } = rows;
  const { idOf, metric, description } = answer;
  const base = new Float32Array(validRows * dim);
  const ids: (string | number | bigint)[] = [];
  for (let row = 0; row < valid.length; row++) {
    if (!valid[row]) continue;
    base.set(data.subarray(row * dim, (row + 1) * dim), ids.length * dim);
    ids.push(idOf(row));
  }
  return { data: base, count: ids.length, dim, ids, metric, description };
}

/**
 * Ids as BigInt in their engine's sense: hnswlib labels and usearch keys are unsigned 64-bit
 * (held as bit patterns in a BigInt64Array), FAISS ids are signed.
 */
function idsAsBigInt(index: IndexDescription): readonly bigint[] | BigInt64Array | BigUint64Array {
  const values = index.ids!.values;
  if (index.ids!.kind === 'labels' && values instanceof BigInt64Array) return new BigUint64Array(values.buffer, values.byteOffset, values.length);
  return values;
}

function chooseMapping(ids: ArrayLike<bigint> | undefined, referenceRows: number): ReferenceVectors['mapping'] {
  if (!ids || ids.length === 0) return 'row-number';
  let inRange = 0;
  const limit = BigInt(referenceRows);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as bigint;
    if (id >= 0n && id < limit) inRange++;
  }
  return inRange >= ROW_NUMBER_SHARE * ids.length ? 'row-number' : 'position';
}

/** Valid reference rows whose id the index lacks, and index ids that are no reference row. */
function rowNumberCoverage(ids: ArrayLike<bigint> | undefined, indexRows: number, referenceRows: number, valid: Uint8Array) {
  const present = new Uint8Array(referenceRows);
  const extraExamples: string[] = [];
  let extra = 0;
  const limit = BigInt(referenceRows);
  for (let row = 0; row < indexRows; row++) {
    // An index without ids answers with row numbers: row r is id r.
    const id = ids ? (ids[row] as bigint) : BigInt(row);
    if (id >= 0n && id < limit) present[Number(id)] = 1;
    else {
      extra++;
      if (extraExamples.length < EXAMPLES) extraExamples.push(id.toString());
    }
  }
  const missingExamples: string[] = [];
  let missing = 0;
  for (let row = 0; row < referenceRows; row++) {
    if (!valid[row] || present[row]) continue;
    missing++;
    if (missingExamples.length < EXAMPLES) missingExamples.push(String(row));
  }
  return { missing: { count: missing, examples: missingExamples }, extra: { count: extra, examples: extraExamples } };
}

/** Stored vector of a sample of index rows against the reference row each one's id maps to. */
interface ContentComparison {
  readonly index: VectorSource;
  readonly description: SourceDescription;
  readonly reference: VectorSource;
  /** The reference rows already read, when they were (else they are read here). */
  readonly data: Float32Array | undefined;
  readonly mapping: ReferenceVectors['mapping'];
  readonly ids: ArrayLike<bigint> | undefined;
  readonly referenceRows: number;
  readonly seed: number;
}

async function compareContent({ index, description, reference, data, mapping, ids, referenceRows, seed }: ContentComparison): Promise<ReferenceVectors['content']> {
  if (description.storage.lossy) return undefined; // PQ/SQ codes decode too far from the original to tell
  const dim = description.dim;
  const pairs: { indexRow: number; referenceRow: number }[] = [];
  for (const indexRow of sampleIndices(description.rows, CONTENT_SAMPLE, new Rng(seed ^ 0xc0de))) {
    const referenceRow = mapping === 'position' ? indexRow : ids ? Number(ids[indexRow]) : indexRow;
    // Ids beyond 2^53 lose precision in Number() but stay beyond any row count: they are skipped.
    if (referenceRow >= 0 && referenceRow < referenceRows) pairs.push({ indexRow, referenceRow });
  }
  if (pairs.length === 0) return { compared: 0, differing: 0, examples: [] };
  const stored = await index.readRows(pairs.map((pair) => pair.indexRow));
  const referenceVectors = new Map<number, Float32Array>();
  if (data) {
    for (const pair of pairs) referenceVectors.set(pair.referenceRow, data.subarray(pair.referenceRow * dim, (pair.referenceRow + 1) * dim));
  } else {
    const distinct = [...new Set(pairs.map((pair) => pair.referenceRow))].sort((a, b) => a - b);
    const block = await reference.readRows(distinct);
    distinct.forEach((row, i) => referenceVectors.set(row, block.data.subarray(i * dim, (i + 1) * dim)));
  }
  let compared = 0;
  let differing = 0;
  const examples: { id: string; cosine: number }[] = [];
  pairs.forEach((pair, i) => {
    const a = stored.data.subarray(i * dim, (i + 1) * dim);
    const b = referenceVectors.get(pair.referenceRow) as Float32Array;
    const similarity = cosine(a, b);
    if (similarity === undefined) return;
    compared++;
    if (similarity < SAME_CONTENT_COSINE) {
      differing++;
      if (examples.length < EXAMPLES) examples.push({ id: ids ? (ids[pair.indexRow] as bigint).toString() : String(pair.indexRow), cosine: similarity });
    }
  });
  return { compared, differing, examples };
}

function cosine(a: Float32Array, b: Float32Array): number | undefined {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < a.length; j++) {
    const x = a[j] as number;
    const y = b[j] as number;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  const denominator = Math.sqrt(aa * bb);
  return denominator > 0 && Number.isFinite(denominator) ? dot / denominator : undefined;
}
