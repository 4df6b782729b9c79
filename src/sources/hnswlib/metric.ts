import type { Metric } from '../../core/policy.js';
import type { IndexDescription, VectorSource } from '../source.js';
import type { HnswlibHeader } from './header.js';
import type { HnswlibSidecar } from './sidecar.js';

/** What the index computes, and how we know. */
export interface MetricResolution {
  /** The space the index was built with, when known. */
  readonly metric?: Metric;
  readonly source: IndexDescription['metricSource'];
  /**
   * The space to search the file with: the metric when known; on unit-length vectors, where every
   * space ranks alike, inner product even when the metric is unknown; otherwise none.
   */
  readonly searchSpace?: Metric;
  readonly notes: readonly string[];
}

/** Rows read to tell whether stored vectors are unit length (hnswlib's cosine space normalizes on insert). */
const NORM_PROBE_ROWS = 64;
/** float32 normalization leaves norms within ~1e-6 of 1; 1e-3 also admits vectors normalized in float16 upstream. */
const UNIT_TOLERANCE = 1e-3;

/**
 * hnswlib stores no metric. Take it from LangChain.js's args.json when there is one, else from
 * --metric; check either against the stored vectors: a cosine-space index holds unit vectors, so
 * raw vectors prove it was built with 'ip' or 'l2' whatever was declared.
 */
export async function resolveMetric(header: HnswlibHeader, rows: VectorSource, sidecar: HnswlibSidecar | undefined, declared: Metric | undefined): Promise<MetricResolution> {
  const notes: string[] = [];
  const unit = await storedVectorsAreUnit(header, rows);
  let sidecarSpace: Metric | undefined;
  if (sidecar?.problem) notes.push(`${sidecar.path} ignored: ${sidecar.problem}.`);
  else if (sidecar?.space) {
    if (sidecar.numDimensions !== undefined && sidecar.numDimensions !== header.dim) {
      notes.push(`${sidecar.path} ignored: it says numDimensions ${sidecar.numDimensions}, the index stores ${header.dim}-dimensional vectors (it belongs to another index).`);
    } else {
      sidecarSpace = sidecar.space;
    }
  }
  const searchable = (metric: Metric | undefined): Metric | undefined => metric ?? (unit === true ? 'ip' : undefined);

  if (sidecarSpace) {
    notes.push(`metric '${sidecarSpace}' from ${sidecar!.path} (hnswlib files store none).`);
    if (sidecarSpace === 'cosine' && unit === false) {
      notes.push("args.json says 'cosine' but the stored vectors are not unit length, which hnswlib's cosine space guarantees: the index file was written by another space.");
      return { source: 'sidecar', notes };
    }
    return { metric: sidecarSpace, source: 'sidecar', searchSpace: sidecarSpace, notes };
  }
  if (declared === 'cosine' && unit === false) {
    notes.push(
      `declared cosine, but the stored vectors are not unit length: hnswlib's cosine space normalizes every vector on insert, so this index was built with the 'ip' or 'l2' space (which one the file does not say).`,
    );
    return { source: 'unknown', notes };
  }
  if (declared) {
    notes.push(`hnswlib files store no metric: taking the declared '${declared}' as the index's space (put LangChain's args.json beside the file to state it).`);
    return { metric: declared, source: 'declared', searchSpace: declared, notes };
  }
  notes.push(
    unit === true
      ? 'hnswlib files store no metric and none was given; the stored vectors are unit length, so cosine, ip and l2 rank them alike.'
      : "hnswlib files store no metric and none was given: pass --metric, or keep LangChain's args.json beside the file.",
  );
  return { source: 'unknown', ...(searchable(undefined) ? { searchSpace: searchable(undefined) } : {}), notes };
}

/** True/false from up to 64 evenly spaced rows (zero and non-finite rows say nothing); undefined for an empty index. */
async function storedVectorsAreUnit(header: HnswlibHeader, rows: VectorSource): Promise<boolean | undefined> {
  if (header.count === 0) return undefined;
  const picks = new Set<number>();
  const probes = Math.min(NORM_PROBE_ROWS, header.count);
  for (let i = 0; i < probes; i++) picks.add(Math.floor((i * header.count) / probes));
  const block = await rows.readRows([...picks]);
  let informative = 0;
  for (let r = 0; r < block.count; r++) {
    let sum = 0;
    for (let j = 0; j < header.dim; j++) sum += (block.data[r * header.dim + j] as number) ** 2;
    const norm = Math.sqrt(sum);
    if (!(norm > 0) || !Number.isFinite(norm)) continue;
    informative++;
    if (Math.abs(norm - 1) > UNIT_TOLERANCE) return false;
  }
  return informative > 0 ? true : undefined;
}
