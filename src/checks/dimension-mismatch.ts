import { count, rowList } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
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
      `Fails when the stored dimension differs from --dim (or the policy's), when a column is exactly zero in every one of at least ${ZERO_COLUMN_MIN_ROWS} valid rows (a warning from ${ZERO_COLUMN_WARN_ROWS}), or when any row has a different length. Without --dim, a policy or --queries, the stored dimension is not compared with the model's.`,
    evidence: {
      storedDim: 'dimension of the stored vectors',
      declaredDim: 'dimension the model produces (--dim or the policy)',
      queryDim: 'dimension of the --queries vectors, when it differs',
      zeroColumns: 'columns that are zero in every valid row',
      zeroColumnsTrailing: 'true when those columns are the last ones (truncate-then-pad)',
      effectiveDim: 'stored dimension minus the all-zero columns',
      raggedRows: 'rows whose length differs from the stored dimension',
      raggedLengths: 'lengths found among those rows, with their counts',
    },
    labels: ['No.8'],
    requiredArtifacts: ['rowStats', 'source', 'declared'],
    fix: "Re-embed with the model the index expects and write every vector at the model's full dimension; never truncate or pad to fit a schema — change the schema (and rebuild the index) instead.",
  },
  run({ rowStats, source, declared, queries }) {
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
    if (rowStats.rowIssues.count > 0) {
      const lengths = Object.fromEntries(Object.entries(rowStats.rowIssues.lengths).map(([length, rows]) => [length, rows]));
      const rows = rowStats.rowIssues.first.map((issue) => issue.row);
      results.push({
        severity: 'fail',
        message: `${count(rowStats.rowIssues.count)} rows do not have ${storedDim} values (rows ${rowList(rows, rowStats.rowIssues.count)}; lengths found: ${Object.entries(lengths).map(([length, n]) => `${length} × ${n}`).join(', ') || 'unparsable'}). They were left out of every other measurement.`,
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
