/**
 * Streaming quantiles of positive values (vector norms) in fixed memory: a log-bucket histogram
 * with 0.1% relative bucket width, so any quantile is exact to ±0.05% whatever the row count.
 * Sums are kept per chunk of rows (see ChunkedSum) so that sketches of consecutive parts of a
 * file, merged in order, equal bit for bit the sketch of one pass over the whole file.
 */
const RELATIVE_WIDTH = 0.001;
const LOG_BASE = Math.log1p(RELATIVE_WIDTH);
/** Covers norms from 1e-30 to 1e30; anything outside is clamped to the end buckets. */
const MIN_LOG = Math.log(1e-30);
const BUCKETS = Math.ceil((Math.log(1e30) - MIN_LOG) / LOG_BASE) + 1;

/** A sketch's contents, structured-clone friendly (for worker threads). */
export interface NormSketchState {
  readonly counts: Float64Array;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: ChunkedSumState;
  readonly sumSquares: ChunkedSumState;
}

export class NormSketch {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  min = Infinity;
  max = -Infinity;
  private readonly sum = new ChunkedSum();
  private readonly sumSquares = new ChunkedSum();

  /** Add a norm given as its square (what the kernels produce). */
  addSquared(norm2: number): void {
    const norm = Math.sqrt(norm2);
    this.count++;
    if (norm < this.min) this.min = norm;
    if (norm > this.max) this.max = norm;
    this.sum.add(norm);
    this.sumSquares.add(norm2);
    const bucket = bucketOf(norm);
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
  }

  /**
   * Add `n` norms at once, `norms[k]` being `Math.sqrt(norms2[k])`: the same float operations in the
   * same order as `n` calls of `addSquared`, in plain typed-array loops (a full scan adds millions).
   */
  addMany(norms: Float64Array, norms2: Float64Array, n: number): void {
    if (n === 0) return;
    let min = this.min;
    let max = this.max;
    const counts = this.counts;
    for (let k = 0; k < n; k++) {
      const norm = norms[k] as number;
      if (norm < min) min = norm;
      if (norm > max) max = norm;
      const bucket = bucketOf(norm);
      counts[bucket] = (counts[bucket] as number) + 1;
    }
    this.min = min;
    this.max = max;
    this.count += n;
    this.sum.addMany(norms, n);
    this.sumSquares.addMany(norms2, n);
  }

  /** Rows from here on belong to a new summation chunk. */
  endChunk(): void {
    this.sum.endChunk();
    this.sumSquares.endChunk();
  }

  get mean(): number {
    return this.count ? this.sum.total() / this.count : NaN;
  }

  get std(): number {
    if (this.count < 2) return 0;
    const mean = this.mean;
    return Math.sqrt(Math.max(0, this.sumSquares.total() / this.count - mean * mean));
  }

  /** Value below which a fraction q of the added norms lie (bucket midpoint, clamped to min/max). */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const target = Math.min(this.count - 1, Math.max(0, q * (this.count - 1)));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b] as number;
      if (seen > target) {
        const mid = Math.exp(MIN_LOG + (b + 0.5) * LOG_BASE);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  /** Histogram over `bins` equal-width bins between min and max, for reports and plots. */
  histogram(bins = 40): { readonly edges: number[]; readonly counts: number[] } {
    if (this.count === 0) return { edges: [], counts: [] };
    const low = this.min;
    const high = this.max > low ? this.max : low * (1 + RELATIVE_WIDTH) + RELATIVE_WIDTH;
    const width = (high - low) / bins;
    const edges = Array.from({ length: bins + 1 }, (_, i) => low + i * width);
    const counts = new Array<number>(bins).fill(0);
    for (let b = 0; b < BUCKETS; b++) {
      const c = this.counts[b] as number;
      if (c === 0) continue;
      const mid = Math.min(high, Math.max(low, Math.exp(MIN_LOG + (b + 0.5) * LOG_BASE)));
      const bin = Math.min(bins - 1, Math.floor((mid - low) / width));
      counts[bin] = (counts[bin] as number) + c;
    }
    return { edges, counts };
  }

  /** Fold in a sketch of rows that all come after the rows added so far. */
  merge(other: NormSketch): void {
    this.absorb(other.state());
  }

  absorb(state: NormSketchState): void {
    for (let b = 0; b < BUCKETS; b++) this.counts[b] = (this.counts[b] as number) + (state.counts[b] as number);
    this.count += state.count;
    this.min = Math.min(this.min, state.min);
    this.max = Math.max(this.max, state.max);
    this.sum.absorb(state.sum);
    this.sumSquares.absorb(state.sumSquares);
  }

  state(): NormSketchState {
    return {
      counts: this.counts.slice(),
      count: this.count,
      min: this.min,
      max: this.max,
      sum: this.sum.state(),
      sumSquares: this.sumSquares.state(),
    };
  }
}

/**
 * Rows per summation chunk. A parallel scan splits files on multiples of this, so every chunk is
 * summed by one thread in row order and the chunk sums are then added in order: the same float
 * operations, in the same order, as a single pass.
 */
export const SUM_CHUNK_ROWS = 1 << 14;

export interface ChunkedSumState {
  /** Sums of the chunks that received values, in row order. */
  readonly chunks: readonly number[];
}

/** A float sum whose rounding does not depend on how the rows were split between threads. */
export class ChunkedSum {
  private readonly chunks: number[] = [];
  private current = 0;
  private open = false;

  add(value: number): void {
    this.current += value;
    this.open = true;
  }

  /** `values[0..n)` added one by one, in order. */
  addMany(values: Float64Array, n: number): void {
    if (n === 0) return;
    let current = this.current;
    for (let k = 0; k < n; k++) current += values[k] as number;
    this.current = current;
    this.open = true;
  }

  endChunk(): void {
    if (!this.open) return;
    this.chunks.push(this.current);
    this.current = 0;
    this.open = false;
  }

  total(): number {
    let total = 0;
    for (const chunk of this.chunks) total += chunk;
    return this.open ? total + this.current : total;
  }

  state(): ChunkedSumState {
    return { chunks: this.open ? [...this.chunks, this.current] : this.chunks.slice() };
  }

  absorb(state: ChunkedSumState): void {
    this.endChunk();
    for (const chunk of state.chunks) this.chunks.push(chunk);
  }
}

function bucketOf(norm: number): number {
  if (!(norm > 0)) return 0;
  const b = Math.floor((Math.log(norm) - MIN_LOG) / LOG_BASE);
  return b < 0 ? 0 : b >= BUCKETS ? BUCKETS - 1 : b;
}
