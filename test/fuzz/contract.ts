import assert from 'node:assert/strict';
import { VectorclinicError } from '../../src/errors.js';
import type { SourceOptions, VectorSource } from '../../src/sources/source.js';
import { openSource } from '../../src/sources/open-source.js';

/**
 * The readers' contract on any input: a source that describes, samples, scans (and searches) the
 * rows it claims, or a VectorclinicError (exit 2) naming the file and a byte offset or row. Never
 * another exception, never a resident set above 1 GB, never more than a few seconds.
 */
export type Outcome = 'read' | 'input-error';

export const MAX_RSS_BYTES = 1 << 30;
/** A corrupt file of a few hundred KB may be refused or read in well under this, even on a busy machine. */
export const MAX_CASE_MS = 10_000;

export async function readOrRefuse(path: string, options: SourceOptions = {}): Promise<Outcome> {
  const started = performance.now();
  let source: VectorSource | undefined;
  try {
    source = await openSource(path, options);
    const description = await source.describe();
    assert.ok(Number.isSafeInteger(description.rows) && description.rows >= 0, `rows ${description.rows}`);
    assert.ok(Number.isSafeInteger(description.dim) && description.dim >= 0, `dim ${description.dim}`);
    let scanned = 0;
    let sample: Float32Array | undefined;
    for await (const block of source.scan()) {
      assert.equal(block.data.length, block.count * description.dim, 'a block holds count × dim values');
      scanned += block.count + (block.issues?.length ?? 0);
      if (!sample && block.count > 0) sample = block.data.slice(0, description.dim);
    }
    if (description.rowsExact) assert.equal(scanned, description.rows, 'every row decoded or reported');
    if (description.rows > 0) {
      const wanted = [...new Set([0, Math.floor(description.rows / 2), description.rows - 1])].sort((a, b) => a - b);
      const block = await source.readRows(wanted);
      assert.equal(block.count + (block.issues?.length ?? 0), wanted.length, 'every sampled row decoded or reported');
    }
    if (source.search && sample) await source.search.query({ queries: sample, count: 1, k: 5 });
    return 'read';
  } catch (error) {
    if (!VectorclinicError.isInstance(error)) throw error;
    assert.ok(error.where, `the error names the file: ${error.message}`);
    assert.ok(error.byteOffset !== undefined || error.row !== undefined, `the error gives a byte offset or row: ${error.message}`);
    return 'input-error';
  } finally {
    await source?.close();
    assert.ok(process.memoryUsage().rss < MAX_RSS_BYTES, `resident set ${process.memoryUsage().rss} bytes`);
    assert.ok(performance.now() - started < MAX_CASE_MS, `took ${Math.round(performance.now() - started)} ms`);
  }
}
