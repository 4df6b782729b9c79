import { count, round } from '../core/format.js';
import type { Segment } from '../sources/source.js';

/** Runs in row order shorter than this share of the sampled rows are stray rows, not blocks. */
const BLOCK_MIN_SHARE = 0.02;

export interface PartPlace {
  readonly text: string;
  readonly blocks: readonly { readonly firstRow: number; readonly lastRow: number; readonly sampledRows: number }[];
  readonly segments: readonly { readonly name: string; readonly sampledRows: number; readonly shareOfSegment: number }[];
}

/**
 * Where each part sits: blocks of rows (a backfill, a shard) or interleaved (two writers), and per
 * segment when the source has segments. Boundaries are between sampled rows.
 */
export function locatePart(minorityRows: readonly number[], majorityRows: readonly number[], segments: readonly Segment[]): { interleaved: boolean; minority: PartPlace; majority: PartPlace } {
  const labelled = [...minorityRows.map((row) => ({ row, minority: true })), ...majorityRows.map((row) => ({ row, minority: false }))].sort((a, b) => a.row - b.row);
  const minimum = Math.max(3, Math.round(BLOCK_MIN_SHARE * labelled.length));
  // Runs in row order, stray short runs absorbed into the run before them.
  const runs: { minority: boolean; firstRow: number; lastRow: number; sampledRows: number }[] = [];
  let switches = 0;
  for (let i = 0; i < labelled.length; i++) {
    const entry = labelled[i] as { row: number; minority: boolean };
    const last = runs[runs.length - 1];
    if (i > 0 && (labelled[i - 1] as { minority: boolean }).minority !== entry.minority) switches++;
    if (last && last.minority === entry.minority) {
      last.lastRow = entry.row;
      last.sampledRows++;
    } else runs.push({ minority: entry.minority, firstRow: entry.row, lastRow: entry.row, sampledRows: 1 });
  }
  const merged: typeof runs = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last && (last.minority === run.minority || run.sampledRows < minimum)) {
      last.lastRow = run.lastRow;
      last.sampledRows += run.sampledRows;
    } else merged.push({ ...run });
  }
  const p = minorityRows.length / Math.max(1, labelled.length);
  // Independent labels switch about 2·n·p·(1−p) times; blocks switch a handful of times.
  const expectedSwitches = 2 * labelled.length * p * (1 - p);
  const interleaved = switches > Math.max(8, 0.2 * expectedSwitches);
  const place = (minority: boolean): PartPlace => {
    const rows = minority ? minorityRows : majorityRows;
    const bySegment =
      segments.length > 1
        ? segments
            .map((segment) => {
              const inSegment = labelled.filter((e) => e.row >= segment.start && e.row < segment.start + segment.rows);
              const mine = inSegment.filter((e) => e.minority === minority).length;
              return { name: segment.name, sampledRows: mine, shareOfSegment: round(inSegment.length ? mine / inSegment.length : 0, 3) };
            })
            .filter((s) => s.sampledRows > 0)
        : [];
    const blocks = interleaved ? [] : merged.filter((run) => run.minority === minority).map(({ firstRow, lastRow, sampledRows }) => ({ firstRow, lastRow, sampledRows }));
    let text: string;
    if (bySegment.length && bySegment.every((s) => s.shareOfSegment >= 0.9)) text = `segment${bySegment.length > 1 ? 's' : ''} ${bySegment.map((s) => s.name).join(', ')}`;
    else if (interleaved) text = `interleaved with the other part across the store (${count(switches)} switches in row order among ${count(labelled.length)} sampled rows, rows ${rows.slice(0, 5).join(', ')}…)`;
    else text = blocks.map((b) => `rows ${count(b.firstRow)}–${count(b.lastRow)}`).join(', ') + ' (boundaries between sampled rows)';
    return { text, blocks, segments: bySegment };
  };
  return { interleaved, minority: place(true), majority: place(false) };
}
