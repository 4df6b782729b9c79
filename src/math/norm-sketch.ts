/**
 * Streaming quantiles of positive values (vector norms) in fixed memory: a log-bucket histogram
 * with 0.1% relative bucket width, so any quantile is exact to ±0.05% whatever the row count.
 */
const RELATIVE_WIDTH = 0.001;
const LOG_BASE = Math.log1p(RELATIVE_WIDTH);
/** Covers norms from 1e-30 to 1e30; anything outside is clamped to the end buckets. */
const MIN_LOG = Math.log(1e-30);
const BUCKETS = Math.ceil((Math.log(1e30) - MIN_LOG) / LOG_BASE) + 1;

export class NormSketch {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  min = Infinity;
  max = -Infinity;
  private sum = 0;
  private sumSquares = 0;

  /** Add a norm given as its square (what the kernels produce). */
  addSquared(norm2: number): void {
    const norm = Math.sqrt(norm2);
    this.count++;
    if (norm < this.min) this.min = norm;
    if (norm > this.max) this.max = norm;
    this.sum += norm;
    this.sumSquares += norm2;
    const bucket = bucketOf(norm);
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
  }

  get mean(): number {
    return this.count ? this.sum / this.count : NaN;
  }

  get std(): number {
    if (this.count < 2) return 0;
    const mean = this.mean;
    return Math.sqrt(Math.max(0, this.sumSquares / this.count - mean * mean));
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

  merge(other: NormSketch): void {
    for (let b = 0; b < BUCKETS; b++) this.counts[b] = (this.counts[b] as number) + (other.counts[b] as number);
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.sum += other.sum;
    this.sumSquares += other.sumSquares;
  }
}

function bucketOf(norm: number): number {
  if (!(norm > 0)) return 0;
  const b = Math.floor((Math.log(norm) - MIN_LOG) / LOG_BASE);
  return b < 0 ? 0 : b >= BUCKETS ? BUCKETS - 1 : b;
}
