/**
 * The norm histogram per shard: a store made of two source files (one normalized, one raw) is
 * drawn as one histogram per file, so the reader sees which shard holds which population.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { normalizedCopy } from '../../src/math/vectors.js';
import { openSource } from '../../src/sources/open-source.js';
import type { Segment, VectorSource } from '../../src/sources/source.js';
import { DIM, DOCS, loadRows, reportFor, writeNpy } from './demo-stores.js';

/** A source read from one file but described as the two shards it was concatenated from. */
function withSegments(inner: VectorSource, segments: readonly Segment[]): VectorSource {
  return {
    describe: async () => ({ ...(await inner.describe()), segments }),
    scan: (options) => inner.scan(options),
    readRows: (rows) => inner.readRows(rows),
    close: () => inner.close(),
  };
}

test('a store of two shards gets one norm histogram per shard, and they separate the populations', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-segments-'));
  try {
    const rows = 1200;
    const data = await loadRows(DOCS, rows);
    data.set(normalizedCopy(data, rows / 2, DIM));
    const path = join(folder, 'two-shards.npy');
    writeNpy(path, data, rows, DIM);
    const source = withSegments(await openSource(path), [
      { name: 'part-000.npy', start: 0, rows: rows / 2 },
      { name: 'part-001.npy', start: rows / 2, rows: rows / 2 },
    ]);
    const report = await reportFor(source);
    await source.close();
    const histogram = report.plots!.normHistogram!;
    assert.equal(histogram.groupedBy, 'segment');
    assert.deepEqual(
      histogram.groups!.map((group) => group.name),
      ['part-000.npy', 'part-001.npy'],
    );
    const [normalized, raw] = histogram.groups!;
    const total = (counts: readonly number[]): number => counts.reduce((sum, n) => sum + n, 0);
    assert.equal(total(normalized!.counts), rows / 2);
    assert.equal(total(raw!.counts), rows / 2);
    // The normalized shard sits entirely in the last bin (norm 1), the raw shard entirely below it.
    assert.equal(normalized!.counts[normalized!.counts.length - 1], rows / 2);
    assert.equal(raw!.counts[raw!.counts.length - 1], 0);
    assert.ok(report.findings.some((finding) => finding.code === 'mixed-norm-shards'));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
