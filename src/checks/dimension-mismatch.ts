import { count, rowList } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import type { VectorSample } from '../gather/artifacts.js';
import type { RowStats } from '../gather/row-stats.js';
import { defineCheck, partlyRun, type CheckGap, type CheckResult } from './check.js';

/**
 * A column that is exactly zero in every one of this many non-zero rows is no accident of a dense
 * model (each value would have to be exactly 0.0 each time); fewer rows only earn a warning.
 */
const ZERO_COLUMN_MIN_ROWS = 100;
const ZERO_COLUMN_WARN_ROWS = 20;

export default defineCheck({
  meta: {
    code: 'dimension-mismatch',
    title: 'Dimensions match the model',
    failureTitle: 'Vector dimensions do not match the model',
    description:
      "Vectors must have exactly the model's dimension. A shorter stored dimension means vectors were truncated " +
      '(a wrong slice, a Matryoshka cut the index was not built for); a longer one means another model wrote them. ' +
      'Columns that are zero in every row mean vectors were truncated and zero-padded back to size (or a bad cast ' +
      'dropped values): the stored shape looks right while the information is gone. Rows of different lengths ' +
      '(JSON arrays) mean several models or a broken writer.',
    decides:
      `Fails when the stored dimension differs from --dim (or the policy's), when a column is exactly zero in every one of at least ${ZERO_COLUMN_MIN_ROWS} valid rows (a warning from ${ZERO_COLUMN_WARN_ROWS}), or when any row has a different length. ` +
      'Rows whose trailing block of dimensions is exactly zero (a half-written row, a cast that dropped values) fail too, found among the sampled rows: ' +
      "a block counts when its length t makes chance impossible, i.e. rows × p₀ᵗ < 0.001 with p₀ the rate of exact zeros in the rows' leading half (t ≥ 2 for dense float vectors). " +
      "Without --dim, a policy or --queries, the stored dimension is not compared with the model's.",
    evidence: {
      storedDim: 'dimension of the stored vectors',
      declaredDim: 'dimension the model produces (--dim or the policy)',
      queryDim: 'dimension of the --queries vectors, when it differs',
      zeroColumns: 'columns that are zero in every valid row',
      zeroColumnsTrailing: 'true when those columns are the last ones (truncate-then-pad)',
      effectiveDim: 'stored dimension minus the all-zero columns',
      raggedRows: 'rows whose length differs from the stored dimension',
      raggedLengths: 'lengths found among those rows, with their counts',
      firstRaggedRows: 'the first rows whose length differs from the stored dimension',
      trailingZeroRows: 'sampled rows whose last dimensions are exactly zero while other rows have values there (row, zero block length)',
      trailingZeroRowCount: 'how many sampled rows end in such a zero block',
      trailingZeroSampledRows: 'valid sampled rows examined for zero tails',
      trailingZeroMinBlock: 'the shortest zero tail that counts: by chance no valid sampled row would end in this many zeros',
      scope: "'sample': the zero tails are counted on sampled rows",
    },
    labels: ['No.8'],
    requiredArtifacts: ['rowStats', 'source', 'declared', 'sample'],
    optionalArtifacts: ['queries'],
    fix: "Re-embed with the model the index expects and write every vector at the model's full dimension; never truncate or pad to fit a schema — change the schema (and rebuild the index) instead.",
  },
  run({ rowStats, source, declared, queries, sample }) {
    const results: (CheckResult | CheckGap)[] = [];
    const storedDim = source.dim;
    // An index that transforms vectors (PCA) takes the model's dimension and stores fewer: compare its input.
    const inputDim = source.index?.transform?.inputDim ?? storedDim;
    if (queries && queries.dim !== inputDim && source.rows > 0) {
      results.push({
        severity: 'fail',
        message: `Queries (${queries.target}) have ${queries.dim} dimensions but the stored vectors ${inputDim}: they come from different models (or one side was truncated), so no query can be searched.`,
        evidence: { storedDim: inputDim, queryDim: queries.dim },
      });
    }
    if (declared.dim !== undefined && declared.dim !== inputDim && source.rows > 0) {
      const direction =
        inputDim < declared.dim
          ? `The vectors are ${declared.dim - inputDim} values short: they were truncated (or come from a smaller model).`
          : `The vectors are ${inputDim - declared.dim} values too long: another model (or padding) produced them.`;
      results.push({
        severity: 'fail',
        message: `Stored vectors have ${inputDim} dimensions but the model produces ${declared.dim}. ${direction} Queries from the model cannot be compared with them.`,
        evidence: { storedDim: inputDim, declaredDim: declared.dim },
      });
    }
    const zeroColumns = zeroColumnFinding(rowStats, storedDim);
    if (zeroColumns) results.push(zeroColumns);
    const halfWritten = trailingZeroFinding(sample, rowStats, storedDim);
    if (halfWritten) results.push(halfWritten);
    if (rowStats.rowIssues.count > 0) {
      const lengths = Object.fromEntries(Object.entries(rowStats.rowIssues.lengths).map(([length, rows]) => [length, rows]));
      const rows = rowStats.rowIssues.first.map((issue) => issue.row);
      results.push({
        severity: 'fail',
        message: `${count(rowStats.rowIssues.count)} rows do not have ${storedDim} values (rows ${rowList(rows, rowStats.rowIssues.count)}; lengths found: ${
          Object.entries(lengths)
            .map(([length, n]) => `${length} × ${n}`)
            .join(', ') || 'unparsable'
        }). They were left out of every other measurement.`,
        evidence: { storedDim, raggedRows: rowStats.rowIssues.count, raggedLengths: lengths, firstRaggedRows: rows } as Evidence,
      });
    }
    if (declared.dim === undefined && !queries) {
      results.push(partlyRun('Every row has the stored dimension, with no empty columns', "the model's dimension was not compared: pass --dim N (the dimension your embedding model produces) or --queries FILE"));
    }
    return results;
  },
});

function zeroColumnFinding(stats: RowStats, dim: number): CheckResult | null {
  if (stats.validRows < ZERO_COLUMN_WARN_ROWS) return null;
  const zeroColumns: number[] = [];
  for (let j = 0; j < dim; j++) if (stats.columnNonzero[j] === 0) zeroColumns.push(j);
  if (zeroColumns.length === 0 || zeroColumns.length === dim) return null;
  const trailing = zeroColumns[0] === dim - zeroColumns.length;
  const effectiveDim = dim - zeroColumns.length;
  const shown = trailing ? `${zeroColumns[0]}–${dim - 1}` : rowList(zeroColumns, zeroColumns.length, 12);
  return {
    severity: stats.validRows >= ZERO_COLUMN_MIN_ROWS ? 'fail' : 'warn',
    message:
      `${zeroColumns.length} of ${dim} dimensions (${shown}) are exactly zero in all ${count(stats.validRows)} valid rows${stats.scope === 'sample' ? ' sampled' : ''}: ` +
      (trailing
        ? `the vectors were cut to ${effectiveDim} dimensions and zero-padded back to ${dim}.`
        : `those values were lost (a bad cast or a writer that drops fields); only ${effectiveDim} dimensions carry information.`),
    evidence: { storedDim: dim, zeroColumns, zeroColumnsTrailing: trailing, effectiveDim },
  };
}

/** Expected rows that end in a zero block by chance, under independent zeros, must stay below this. */
const TRAILING_CHANCE = 0.001;

/**
 * Sampled rows whose last dimensions are exactly zero although other rows have values there: a
 * row written half way, or a cast that dropped the tail. Columns zero in every row are the
 * zero-column finding instead (truncate-then-pad applied to all rows).
 */
function trailingZeroFinding(sample: VectorSample, stats: RowStats, dim: number): CheckResult | null {
  if (sample.count === 0 || dim < 4) return null;
  let zeroTail = 0;
  while (zeroTail < dim && stats.columnNonzero[dim - 1 - zeroTail] === 0) zeroTail++;
  const width = dim - zeroTail;
  const half = Math.floor(width / 2);
  let zeros = 0;
  let entries = 0;
  const tails: { row: number; zeros: number }[] = [];
  let validRows = 0;
  for (let r = 0; r < sample.count; r++) {
    const offset = r * dim;
    let nonzero = false;
    let finite = true;
    for (let j = 0; j < dim; j++) {
      const v = sample.data[offset + j] as number;
      if (v !== 0) nonzero = true;
      if (!Number.isFinite(v)) finite = false;
    }
    if (!nonzero || !finite) continue;
    validRows++;
    for (let j = 0; j < half; j++) if (sample.data[offset + j] === 0) zeros++;
    entries += half;
    let t = 0;
    while (t < width && sample.data[offset + width - 1 - t] === 0) t++;
    if (t > 0) tails.push({ row: sample.rows[r] as number, zeros: t });
  }
  if (!validRows) return null;
  // An upper estimate of the zero rate (one more zero than seen): never 0, so t stays finite.
  const p0 = (zeros + 1) / (entries + 1);
  let minimum = 2;
  while (minimum < width && validRows * p0 ** minimum >= TRAILING_CHANCE) minimum++;
  const broken = tails.filter((tail) => tail.zeros >= minimum);
  if (!broken.length) return null;
  const rows = broken.map((tail) => tail.row);
  const lengths = [...new Set(broken.map((tail) => tail.zeros))].sort((a, b) => a - b);
  return {
    severity: 'fail',
    message:
      `${count(broken.length)} of ${count(validRows)} sampled rows end in a block of exactly-zero dimensions (rows ${rowList(rows, rows.length)}; ` +
      `zero blocks of ${lengths.slice(0, 6).join(', ')}${lengths.length > 6 ? ', …' : ''} dimensions, where other rows have values): half-written rows or a cast that dropped the tail. ` +
      `By chance no row would end in ${minimum} or more zeros. Only ${dim - (lengths[0] as number)} or fewer of their dimensions carry information, so they rank wrongly for every query.`,
    evidence: {
      storedDim: dim,
      trailingZeroRows: broken.slice(0, 50).map((tail) => ({ row: tail.row, zeroDims: tail.zeros })),
      trailingZeroRowCount: broken.length,
      trailingZeroSampledRows: validRows,
      trailingZeroMinBlock: minimum,
      scope: 'sample',
    } as Evidence,
    fix: 'Re-embed (or re-write) the rows listed in full, and find the writer that stops half way or casts to a shorter type.',
  };
}
