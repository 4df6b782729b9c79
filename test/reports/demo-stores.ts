/**
 * Demo stores for the report tests, built from the shared wordnet-ft128 vectors: a healthy one
 * and a broken one, each as a .npy file and as a small IVF-Flat index. Nothing here is committed:
 * files go to a temporary folder.
 */
import { join } from 'node:path';
import { writeNpy } from '../helpers/npy.js';

export { writeNpy };
import { CHECKS } from '../../src/checks/registry.js';
import { runChecks } from '../../src/checks/runner.js';
import type { Report } from '../../src/core/report.js';
import type { DeclaredPolicy } from '../../src/core/policy.js';
import { gather } from '../../src/gather/gather.js';
import { kernels } from '../../src/math/kernels.js';
import { Rng, sampleIndices } from '../../src/math/rng.js';
import { normalizedCopy } from '../../src/math/vectors.js';
import { buildReport } from '../../src/report/build-report.js';
import { openSource } from '../../src/sources/open-source.js';
import type { RowBlock, SearchCapability, SearchRequest, SearchResult, SourceDescription, VectorSource } from '../../src/sources/source.js';
import { assertReportSchema } from '../helpers/report-schema.js';

const DATA = new URL('../../../shared/data/wordnet-ft128/', import.meta.url);
export const DOCS = new URL('docs.f32.npy', DATA).pathname;
export const DOCS_MODEL_B = new URL('docs_model_b.f32.npy', DATA).pathname;
export const QUERIES = new URL('queries.f32.npy', DATA).pathname;
export const QUERIES_MODEL_B = new URL('queries_model_b.f32.npy', DATA).pathname;
export const DIM = 128;

/** The first `rows` rows of a shared .npy file, read with the project's own reader. */
export async function loadRows(path: string, rows: number): Promise<Float32Array> {
  const source = await openSource(path);
  try {
    const block = await source.readRows(Array.from({ length: rows }, (_, i) => i));
    return Float32Array.from(block.data);
  } finally {
    await source.close();
  }
}

/** Healthy: 4,000 model-A documents, L2-normalized (what a cosine model's store should hold). */
export async function healthyVectors(rows = 4000): Promise<Float32Array> {
  return normalizedCopy(await loadRows(DOCS, rows), rows, DIM);
}

/**
 * Broken in the ways the checks name: the first 40% normalized and the rest raw (a second
 * writer), 1% all-zero rows (failed embedding calls), 150 copies of three rows (re-ingestion)
 * and 25 rows at the centre of the cloud (boilerplate hubs that answer every query).
 */
export async function brokenVectors(rows = 4000): Promise<Float32Array> {
  const raw = await loadRows(DOCS, rows);
  const data = Float32Array.from(raw);
  const unit = normalizedCopy(raw, rows, DIM);
  const normalizedRows = Math.floor(rows * 0.4);
  data.set(unit.subarray(0, normalizedRows * DIM));
  const rng = new Rng(20251125);
  const centre = new Float64Array(DIM);
  for (let i = 0; i < rows; i++) for (let j = 0; j < DIM; j++) centre[j] = (centre[j] as number) + (unit[i * DIM + j] as number) / rows;
  const picks = sampleIndices(rows, 40 + 150 + 25, rng)
    .map((row) => ({ row, order: rng.nextFloat() }))
    .sort((a, b) => a.order - b.order)
    .map((p) => p.row);
  for (const row of picks.slice(0, 40)) data.fill(0, row * DIM, (row + 1) * DIM);
  const originals = [1, 2, 3].map((row) => data.slice(row * DIM, (row + 1) * DIM));
  picks.slice(40, 190).forEach((row, i) => data.set(originals[i % 3] as Float32Array, row * DIM));
  for (const row of picks.slice(190)) {
    for (let j = 0; j < DIM; j++) data[row * DIM + j] = (centre[j] as number) + 0.003 * rng.nextGaussian();
  }
  return data;
}

const DECLARED: DeclaredPolicy = { metric: 'cosine', dim: DIM, from: 'options' };

/** The same pipeline as `check()`, for a source object instead of a path. */
export async function reportFor(source: VectorSource, declared: DeclaredPolicy = DECLARED, queries?: VectorSource): Promise<Report> {
  const startedAt = performance.now();
  const artifacts = await gather(source, declared, {
    sample: 5000,
    seed: 0,
    full: false,
    probeQueries: 50,
    k: 20,
    scanBudgetBytes: 2 ** 34,
    ...(queries ? { queries: { source: queries } } : {}),
  });
  const report = buildReport(artifacts, runChecks(artifacts, CHECKS), startedAt);
  assertReportSchema(report, report.target);
  return report;
}

/** `check()` on a .npy written to `folder` (optionally with a --queries matrix written beside it). */
export async function reportForFile(
  folder: string,
  name: string,
  data: Float32Array,
  rows: number,
  options: { readonly declared?: DeclaredPolicy; readonly dim?: number; readonly queries?: { readonly data: Float32Array; readonly rows: number } } = {},
): Promise<Report> {
  const path = join(folder, name);
  writeNpy(path, data, rows, options.dim ?? DIM);
  const sources: VectorSource[] = [await openSource(path)];
  if (options.queries) {
    const queryPath = join(folder, `queries-${name}`);
    writeNpy(queryPath, options.queries.data, options.queries.rows, options.dim ?? DIM);
    sources.push(await openSource(queryPath));
  }
  try {
    return await reportFor(sources[0] as VectorSource, options.declared ?? DECLARED, sources[1]);
  } finally {
    await Promise.all(sources.map((source) => source.close()));
  }
}

/**
 * A minimal IVF-Flat store in memory: k-means centroids, inverted lists, search that scans the
 * `nprobe` nearest lists. Hand-written because no IVF engine whose list sizes Node can read runs
 * here yet (faiss-node does not install from npm; the FAISS file reader lands from another
 * branch). It is a real index — its recall and list sizes are measured, not made up.
 */
export class IvfTestStore implements VectorSource {
  readonly search: SearchCapability;
  private readonly lists: number[][];
  private readonly unit: Float32Array;

  constructor(
    private readonly name: string,
    private readonly data: Float32Array,
    private readonly rows: number,
    private readonly centroids: Float32Array,
    private readonly nlist: number,
    private readonly nprobe: number,
  ) {
    this.unit = normalizedCopy(data, rows, DIM);
    const assignment = nearestCentroids(this.unit, rows, centroids, nlist, 1);
    this.lists = Array.from({ length: nlist }, () => []);
    assignment.forEach((list, row) => this.lists[list[0] as number]!.push(row));
    this.search = {
      query: (request) => this.searchLists(request),
      exactMethod: "the engine's own exact search",
      tuning: { name: 'nprobe', current: nprobe, sweep: [2, 4, 8, 16, 32].filter((value) => value > nprobe && value <= nlist) },
    };
  }

  /** k-means (Lloyd, 8 rounds, seeded) on the normalized `training` rows: IVF training. */
  static train(training: Float32Array, rows: number, nlist: number, seed = 3): Float32Array {
    const unit = normalizedCopy(training, rows, DIM);
    const centroids = new Float32Array(nlist * DIM);
    sampleIndices(rows, nlist, new Rng(seed)).forEach((row, c) => centroids.set(unit.subarray(row * DIM, (row + 1) * DIM), c * DIM));
    for (let round = 0; round < 8; round++) {
      const assignment = nearestCentroids(unit, rows, centroids, nlist, 1);
      const sums = new Float64Array(nlist * DIM);
      assignment.forEach(([c], row) => {
        for (let j = 0; j < DIM; j++) sums[(c as number) * DIM + j] = (sums[(c as number) * DIM + j] as number) + (unit[row * DIM + j] as number);
      });
      for (let c = 0; c < nlist; c++) {
        let norm = 0;
        for (let j = 0; j < DIM; j++) norm += (sums[c * DIM + j] as number) ** 2;
        if (norm > 0) for (let j = 0; j < DIM; j++) centroids[c * DIM + j] = (sums[c * DIM + j] as number) / Math.sqrt(norm);
      }
    }
    return centroids;
  }

  async describe(): Promise<SourceDescription> {
    return {
      kind: 'test-ivf',
      target: this.name,
      rows: this.rows,
      rowsExact: true,
      dim: DIM,
      storage: { type: 'float32', bytes: this.rows * DIM * 4, lossy: false },
      normTolerance: 1e-5,
      local: true,
      index: {
        engine: 'test-ivf',
        type: 'IVFFlat',
        metric: 'cosine',
        metricSource: 'index',
        normalizesInput: true,
        trained: true,
        ntotal: this.rows,
        params: { nlist: this.nlist, nprobe: this.nprobe },
        ivf: { nlist: this.nlist, nprobe: this.nprobe, listSizes: this.lists.map((list) => list.length) },
      },
    };
  }

  async *scan(): AsyncIterable<RowBlock> {
    yield { dim: DIM, count: this.rows, data: this.data, start: 0 };
  }

  async readRows(rows: readonly number[]): Promise<RowBlock> {
    const data = new Float32Array(rows.length * DIM);
    rows.forEach((row, i) => data.set(this.data.subarray(row * DIM, (row + 1) * DIM), i * DIM));
    return { dim: DIM, count: rows.length, data, start: rows[0] ?? 0, rows };
  }

  async close(): Promise<void> {}

  private async searchLists(request: SearchRequest): Promise<SearchResult> {
    const queries = normalizedCopy(request.queries, request.count, DIM);
    const nprobe = request.exact ? this.nlist : (request.params?.nprobe ?? this.nprobe);
    const probes = nearestCentroids(queries, request.count, this.centroids, this.nlist, nprobe);
    const ids: number[][] = [];
    const score = new Float32Array(1);
    for (let q = 0; q < request.count; q++) {
      const candidates: { row: number; score: number }[] = [];
      for (const list of probes[q] ?? []) {
        for (const row of this.lists[list] ?? []) {
          kernels().dot({ data: queries.subarray(q * DIM, (q + 1) * DIM), count: 1, dim: DIM }, { data: this.unit.subarray(row * DIM, (row + 1) * DIM), count: 1, dim: DIM }, score);
          candidates.push({ row, score: score[0] as number });
        }
      }
      ids.push(
        candidates
          .sort((a, b) => b.score - a.score)
          .slice(0, request.k)
          .map((c) => c.row),
      );
    }
    return { ids };
  }
}

/** For each row, the `count` centroids with the highest cosine, best first. */
function nearestCentroids(unit: Float32Array, rows: number, centroids: Float32Array, nlist: number, count: number): number[][] {
  const scores = new Float32Array(rows * nlist);
  kernels().dot({ data: unit, count: rows, dim: DIM }, { data: centroids, count: nlist, dim: DIM }, scores);
  return Array.from({ length: rows }, (_, row) => {
    const order = Array.from({ length: nlist }, (_, c) => c);
    return order.sort((a, b) => (scores[row * nlist + b] as number) - (scores[row * nlist + a] as number)).slice(0, count);
  });
}

/** The demo pair as the HTML report shows it: a healthy IVF store and a stale, broken one. */
export async function demoIvfStores(rows = 4000): Promise<{ healthy: IvfTestStore; broken: IvfTestStore }> {
  const healthyData = await healthyVectors(rows);
  const healthy = new IvfTestStore('demo/healthy-ivf', healthyData, rows, IvfTestStore.train(healthyData, rows, 32), 32, 8);
  // Broken: the lists were trained on another model's vectors (a stale codebook) and are probed narrowly.
  const modelB = await loadRows(DOCS_MODEL_B, rows);
  const broken = new IvfTestStore('demo/broken-ivf', await brokenVectors(rows), rows, IvfTestStore.train(modelB, rows, 32), 32, 1);
  return { healthy, broken };
}

/**
 * Collapsed neighbourhoods (the shared eval suite's recipe): every row squeezed towards the mean
 * direction u, keeping only a shrunken, noisy trace of its own direction, plus 14 hub rows near u.
 */
export async function collapsedVectors(rows = 2000): Promise<Float32Array> {
  const unit = normalizedCopy(await loadRows(DOCS, rows), rows, DIM);
  const rng = new Rng(7);
  const mean = new Float32Array(DIM);
  for (let i = 0; i < rows; i++) for (let j = 0; j < DIM; j++) mean[j] = (mean[j] as number) + (unit[i * DIM + j] as number);
  const u = normalizedCopy(mean, 1, DIM);
  const out = new Float32Array(rows * DIM);
  const own = new Float32Array(DIM);
  for (let i = 0; i < rows; i++) {
    let along = 0;
    for (let j = 0; j < DIM; j++) along += (unit[i * DIM + j] as number) * (u[j] as number);
    for (let j = 0; j < DIM; j++) own[j] = (unit[i * DIM + j] as number) - along * (u[j] as number);
    const p = normalizedCopy(own, 1, DIM);
    const noise = normalizedCopy(
      Float32Array.from({ length: DIM }, () => rng.nextGaussian()),
      1,
      DIM,
    );
    for (let j = 0; j < DIM; j++) own[j] = (p[j] as number) + 1.5 * (noise[j] as number);
    const trace = normalizedCopy(own, 1, DIM);
    for (let j = 0; j < DIM; j++) own[j] = 0.93 * (u[j] as number) + 0.368 * (trace[j] as number);
    out.set(normalizedCopy(own, 1, DIM), i * DIM);
  }
  for (let hub = 0; hub < 14; hub++) {
    const offset = normalizedCopy(
      Float32Array.from({ length: DIM }, () => rng.nextGaussian()),
      1,
      DIM,
    );
    for (let j = 0; j < DIM; j++) own[j] = (u[j] as number) + 0.2 * (offset[j] as number);
    out.set(normalizedCopy(own, 1, DIM), rng.nextInt(rows) * DIM);
  }
  return out;
}
