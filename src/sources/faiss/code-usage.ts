import type { LocalFile } from '../files/local-file.js';
import type { CodeUsage } from '../source.js';
import type { ProductQuantizer, ScalarQuantizer } from './index-tree.js';
import { subCode } from './product-quantizer.js';
import { segmentOf, type RowLayout } from './row-layout.js';
import { componentCode, isRangeCoded, levelsOf } from './scalar-quantizer.js';

/** Codes examined: 8k rows measure each sub-quantizer's usage of 256 codes to a few percent. */
const CODE_USAGE_ROWS = 8192;
/** Histograms per sub-quantizer are only kept for codebooks up to 2^16 codes (nbits ≤ 16). */
const MAX_HISTOGRAM_CODES = 1 << 16;

/**
 * How the stored codes use the codebook, from a strided sample of rows: the evidence a stale
 * codebook leaves behind (PQ: a few centroids take every vector; SQ: values pile up at the ends
 * of a trained range they fall outside of).
 */
export function measureCodeUsage(file: LocalFile, layout: RowLayout, quantizer: { readonly pq: ProductQuantizer } | { readonly sq: ScalarQuantizer }): CodeUsage | undefined {
  const codes = sampleCodes(file, layout);
  if (codes.rows === 0) return undefined;
  if ('pq' in quantizer) return productUsage(quantizer.pq, codes);
  return isRangeCoded(quantizer.sq) ? scalarUsage(quantizer.sq, codes) : { rowsSampled: codes.rows };
}

interface SampledCodes {
  readonly rows: number;
  readonly bytes: Uint8Array;
  readonly codeSize: number;
}

function sampleCodes(file: LocalFile, layout: RowLayout): SampledCodes {
  const { codeSize } = layout.codec;
  const step = Math.max(1, Math.floor(layout.rows / CODE_USAGE_ROWS));
  const rows = Math.min(layout.rows, Math.ceil(layout.rows / step));
  const bytes = new Uint8Array(rows * codeSize);
  for (let i = 0; i < rows; i++) {
    const row = i * step;
    const s = segmentOf(layout, row);
    const offset = (layout.segmentOffset[s] as number) + (row - (layout.segmentStart[s] as number)) * codeSize;
    file.readInto(bytes.subarray(i * codeSize, (i + 1) * codeSize), offset, `the codes of row ${row}`);
  }
  return { rows, bytes, codeSize };
}

/**
 * Per sub-quantizer: exp(entropy) of the codes used, divided by what perfectly even use of all
 * ksub codes shows on this many rows (Miller–Madow: ln ksub − (ksub − 1)/2n). Measured only with
 * at least as many rows as codes, where the expectation is accurate.
 */
function productUsage(pq: ProductQuantizer, codes: SampledCodes): CodeUsage {
  if (pq.ksub > MAX_HISTOGRAM_CODES || codes.rows < pq.ksub) return { rowsSampled: codes.rows };
  const counts = new Uint32Array(pq.ksub);
  const shares: number[] = [];
  const evenEntropy = Math.log(pq.ksub) - (pq.ksub - 1) / (2 * codes.rows);
  for (let j = 0; j < pq.m; j++) {
    counts.fill(0);
    for (let r = 0; r < codes.rows; r++) {
      const code = subCode(pq, codes.bytes, r * codes.codeSize, j);
      counts[code] = (counts[code] as number) + 1;
    }
    let entropy = 0;
    for (const count of counts) {
      if (count === 0) continue;
      const p = count / codes.rows;
      entropy -= p * Math.log(p);
    }
    shares.push(Math.min(1, Math.exp(entropy - evenEntropy)));
  }
  return { rowsSampled: codes.rows, effectiveCodeShare: shares };
}

/** Share of components coded at either end of the trained range (0 or the top level). */
function scalarUsage(sq: ScalarQuantizer, codes: SampledCodes): CodeUsage {
  const top = levelsOf(sq);
  let saturated = 0;
  for (let r = 0; r < codes.rows; r++) {
    for (let i = 0; i < sq.d; i++) {
      const code = componentCode(sq, codes.bytes, r * codes.codeSize, i);
      if (code === 0 || code === top) saturated++;
    }
  }
  return { rowsSampled: codes.rows, saturatedShare: saturated / (codes.rows * sq.d) };
}
