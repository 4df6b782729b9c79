import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from '../core/policy.js';
import { count } from '../core/format.js';
import { InputError } from '../errors.js';
import { readIdColumn, readIdSidecar } from '../manifest/ids.js';
import { manifestFilePath, readManifest, type LoadedManifest } from '../manifest/manifest.js';
import { exactSearch } from '../math/top-k.js';
import { engineByName } from '../rebuild/engines/index.js';
import { normalizeInPlace } from '../math/vectors.js';
import { applyWhitening, readWhitening } from '../rebuild/whiten.js';
import { openSource } from '../sources/open-source.js';
import type { RetrievedRow } from './score.js';

/** A target that answers "top-k rows for these query vectors", with the ids of what it returns. */
export interface Searcher {
  readonly description: string;
  readonly dim: number;
  search(queries: Float32Array, queryCount: number, k: number): Promise<RetrievedRow[][]>;
  close(): Promise<void>;
}

export interface SearcherOptions {
  readonly metric?: Metric;
  /** JSONL with the document id of each row (overrides the ids a rebuild recorded). */
  readonly ids?: string;
  readonly idField?: string;
  /** Document texts by id, for span questions. */
  readonly texts?: ReadonlyMap<string, string>;
}

/**
 * Pick how to search a target: an index written by `rebuild` through its own engine (queries get
 * the manifest's whitening and normalization); a source that can search (stores, index readers)
 * through its own search; any other vector file by exact search.
 */
export async function openSearcher(target: string, options: SearcherOptions): Promise<Searcher> {
  const loaded = readManifest(target);
  const engine = loaded?.manifest.index ? engineByName(loaded.manifest.index.engine) : undefined;
  if (loaded && engine && loaded.manifest.index) return engineSearcher(target, loaded, engine, options);
  const source = await openSource(target, options.metric ? { metric: options.metric } : {});
  const description = await source.describe();
  const rowIds = rowIdsFor(options, loaded, description.rows);
  const withText = (ids: string[]): RetrievedRow => retrieved(ids, options.texts);
  if (source.search) {
    const search = source.search.bind(source);
    return {
      description: `${description.kind} search (${description.index?.type ?? 'index'})`,
      dim: description.dim,
      async search(queries, queryCount, k) {
        const result = await search({ queries, count: queryCount, k });
        return result.ids.map((list) => list.map((id) => withText(typeof id === 'number' && rowIds ? (rowIds[id] ?? [String(id)]) : [String(id)])));
      },
      close: () => source.close(),
    };
  }
  const metric = options.metric ?? loaded?.manifest.metric ?? 'cosine';
  const all = await source.readRows(Array.from({ length: description.rows }, (_, i) => i));
  await source.close();
  return {
    description: `exact ${metric} search over ${count(description.rows)} rows`,
    dim: description.dim,
    async search(queries, queryCount, k) {
      const lists = exactSearch(queries, queryCount, all.data, description.rows, description.dim, metric, k);
      return Array.from({ length: queryCount }, (_, q) =>
        Array.from(lists.ids.subarray(q * lists.k, (q + 1) * lists.k))
          .filter((row) => row >= 0)
          .map((row) => withText(rowIds?.[row] ?? [String(row)])),
      );
    },
    close: async () => undefined,
  };
}

function engineSearcher(target: string, loaded: LoadedManifest, engine: NonNullable<ReturnType<typeof engineByName>>, options: SearcherOptions): Searcher {
  const { manifest } = loaded;
  const index = manifest.index!;
  if (loaded.status === 'changed') {
    throw new InputError(`the index no longer matches its manifest: ${loaded.problems.join('; ')}`, {
      where: target,
      hint: 'it was modified after `rebuild` wrote it (or a rebuild was interrupted): re-run `vectorclinic rebuild --apply`',
    });
  }
  const rowIds = rowIdsFor(options, loaded, manifest.rows);
  const whitening = manifest.whitening.applied && manifest.whitening.transform ? readWhitening(manifestFilePath(loaded.path, manifest.whitening.transform), manifest.dim, manifest.whitening.shrinkage ?? 0) : undefined;
  const space = manifest.metric === 'l2' ? 'l2' : 'ip';
  const workDir = mkdtempSync(join(tmpdir(), 'vectorclinic-smoke-'));
  return {
    description: `${engine.name} ${index.type} index${index.params.efSearch ? ` (efSearch ${index.params.efSearch})` : index.params.nprobe ? ` (nprobe ${index.params.nprobe})` : ''}`,
    dim: manifest.dim,
    async search(queries, queryCount, k) {
      // Queries must be prepared exactly like the stored rows: whitened, then normalized.
      const prepared = Float32Array.from(queries);
      if (whitening) applyWhitening(whitening, prepared, queryCount);
      if (manifest.normalized) normalizeInPlace(prepared, queryCount, manifest.dim);
      const found = await engine.search({ path: target, dim: manifest.dim, space, params: index.params, workDir }, prepared, queryCount, k);
      return Array.from({ length: queryCount }, (_, q) =>
        Array.from(found.subarray(q * k, (q + 1) * k))
          .filter((row) => row >= 0)
          .map((row) => retrieved(rowIds?.[row] ?? [String(row)], options.texts)),
      );
    },
    close: async () => rmSync(workDir, { recursive: true, force: true }),
  };
}

/** A retrieved row: its ids, and (for span questions) the texts of the documents they name. */
function retrieved(ids: string[], texts: ReadonlyMap<string, string> | undefined): RetrievedRow {
  return { ids, ...(texts ? { text: ids.map((id) => texts.get(id) ?? '').join('\n') } : {}) };
}

/** Row → ids: --ids wins, then the id list a rebuild recorded, else row numbers. */
function rowIdsFor(options: SearcherOptions, loaded: LoadedManifest | undefined, rows: number): string[][] | undefined {
  if (options.ids) {
    const ids = readIdColumn(options.ids, options.idField);
    if (ids.length !== rows) throw new InputError(`the id file has ${ids.length} ids for ${rows} rows`, { where: options.ids, hint: 'one id line per stored row, in the same order' });
    return ids.map((id) => [id]);
  }
  const sidecar = loaded?.manifest.ids;
  if (!loaded || !sidecar) return undefined;
  const ids = readIdSidecar(manifestFilePath(loaded.path, sidecar));
  if (ids.length !== rows) {
    throw new InputError(`the id list names ${ids.length} rows, the index holds ${rows}`, { where: manifestFilePath(loaded.path, sidecar), hint: 'the index was replaced without its manifest (an interrupted rebuild?): re-run `vectorclinic rebuild --apply`' });
  }
  return ids;
}
