/**
 * Reports of stores that each trigger known findings, built once per test file from the shared
 * wordnet-ft128 vectors (files go to a temporary folder and are removed afterwards).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FindingCode } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import { normalizedCopy } from '../../src/math/vectors.js';
import { brokenVectors, collapsedVectors, DIM, DOCS, DOCS_MODEL_B, healthyVectors, IvfTestStore, loadRows, QUERIES, reportFor, reportForFile } from './demo-stores.js';

const ROWS = 2000;

/** Which findings (at warn or fail) each store must produce: together they cover every check. */
export const EXPECTED_CODES = {
  // Broken store declared against a 96-d model: zero, NaN, mixed and duplicated rows; cosine over raw rows.
  kitchenSink: ['zero-vectors', 'nonfinite-values', 'dimension-mismatch', 'metric-mismatch', 'mixed-norm-shards', 'duplicate-rows'],
  collapsed: ['neighbor-collapse'],
  // Raw documents searched with normalized queries.
  drift: ['normalization-drift'],
  empty: ['empty-index'],
  // An IVF index whose lists were trained on another model and are probed once.
  staleIvf: ['ann-recall'],
  healthy: [],
} as const satisfies Record<string, readonly FindingCode[]>;

export type ReportName = keyof typeof EXPECTED_CODES;

export async function buildReports(): Promise<{ reports: Record<ReportName, Report>; cleanup: () => void }> {
  const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-reports-'));
  const sink = await brokenVectors(ROWS);
  for (const row of [5, 77, 901]) sink[row * DIM + 3] = NaN;
  const healthy = await healthyVectors(ROWS);
  const staleIvf = new IvfTestStore('stale-ivf', healthy, ROWS, IvfTestStore.train(await loadRows(DOCS_MODEL_B, ROWS), ROWS, 16), 16, 1);
  const reports: Record<ReportName, Report> = {
    kitchenSink: await reportForFile(folder, 'kitchen-sink.npy', sink, ROWS, { declared: { metric: 'cosine', dim: 96, from: 'options' } }),
    collapsed: await reportForFile(folder, 'collapsed.npy', await collapsedVectors(ROWS), ROWS),
    drift: await reportForFile(folder, 'drift.npy', await loadRows(DOCS, ROWS), ROWS, {
      declared: { metric: 'ip', from: 'options' },
      queries: { data: normalizedCopy(await loadRows(QUERIES, 300), 300, DIM), rows: 300 },
    }),
    empty: await reportForFile(folder, 'empty.npy', new Float32Array(0), 0),
    staleIvf: await reportFor(staleIvf),
    healthy: await reportForFile(folder, 'healthy.npy', healthy, ROWS),
  };
  return { reports, cleanup: () => rmSync(folder, { recursive: true, force: true }) };
}
