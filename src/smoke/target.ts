import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from '../core/policy.js';
import { count } from '../core/format.js';
import { InputError, UsageError } from '../errors.js';
import { documentIdsFor } from '../manifest/document-ids.js';
import { manifestFilePath, readManifest, type LoadedManifest } from '../manifest/manifest.js';
import { exactTopK } from '../math/exact-top-k.js';
import { engineByName } from '../rebuild/engines/index.js';
import { normalizeInPlace } from '../math/vectors.js';
import { applyWhitening, readWhitening } from '../rebuild/whiten.js';
import { openSource } from '../sources/open-source.js';
import type { VectorSource } from '../sources/source.js';
import type { RetrievedRow } from './score.js';

/** A target that answers "top-k rows for these query vectors", with the ids of what it returns. */
export interface Searcher {
  readonly description: string;
  readonly dim: number;
  search(queries: Float32Array, queryCount: number, k: number): Promise<RetrievedRow[][]>;
  /** The ids the target answers in, and which of some ids it holds (undefined: the target cannot say). */
  readonly idSpace: IdSpace;
  close(): Promise<void>;
}

export interface IdSpace {
  /** In words: "row numbers 0–19,999", "the ids in docs.jsonl", "the store's own ids". */
  readonly description: string;
  /** Which of `ids` the target holds; absent when the target cannot look ids up. */
  readonly known?: (ids: readonly string[]) => Promise<Set<string>>;
}

export interface SearcherOptions {
  readonly metric?: Metric;
  /** JSONL with the document id of each row (overrides the ids a rebuild recorded). */
  readonly ids?: string;
  readonly idField?: string;
  /** Document texts by id, for span questions. */
  readonly texts?: ReadonlyMap<string, string>;
  /** Search-time settings overriding the manifest's (see SmokeOptions.search). */
  readonly search?: Readonly<Record<string, number>>;
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
  // A live store answers in its own ids (keys, id column, aliases): --ids only lends span questions their texts.
  const store = Boolean(source.documentIds || source.knownDocumentIds);
  const known = store ? { origin: "the store's own ids" } : documentIdsFor(loaded, description.rows, options);
  const rowIds = known.ids;
  const withText = (ids: readonly string[]): RetrievedRow => retrieved(ids, options.texts);
  if (source.search) {
    const search = source.search;
    const idSpace: IdSpace = rowIds
      ? rowIdSpace(rowIds, known.origin)
      : store
        ? { description: known.origin, ...(source.knownDocumentIds ? { known: source.knownDocumentIds.bind(source) } : {}) }
        : description.index?.ids
          ? labelSpace(description.index.ids.values)
          : rowNumberSpace(description.index?.ntotal ?? description.rows);
    const { params, shown } = await storeSearchSettings(source, options);
    return {
      description: `${description.kind} search (${description.index?.type ?? 'index'}${shown})`,
      dim: description.dim,
      async search(queries, queryCount, k) {
        const result = await search.query({ queries, count: queryCount, k, params });
        const documents = source.documentIds ? await documentIdsOf(source.documentIds.bind(source), result.ids) : undefined;
        return result.ids.map((list, q) => list.map((id, i) => withText(documents?.[q]?.[i] ?? (typeof id === 'number' && rowIds ? (rowIds[id] ?? [String(id)]) : [String(id)]))));
      },
      idSpace,
      close: () => source.close(),
    };
  }
  const metric = options.metric ?? loaded?.manifest.metric ?? 'cosine';
  if (options.search) {
    await source.close();
    throw new UsageError(`${target} is searched exactly: it has no search settings`, { where: '--search', hint: 'search settings apply to indexes and stores (ef, nprobes, hnsw.ef_search, efSearch, ...)' });
  }
  // A float16 / int8 file stays in its stored type: the engine widens a slice at a time.
  const base = (await source.readStoredRows?.()) ?? (await source.readRows(Array.from({ length: description.rows }, (_, i) => i)));
  await source.close();
  return {
    description: `exact ${metric} search over ${count(description.rows)} rows`,
    dim: description.dim,
    async search(queries, queryCount, k) {
      const lists = await exactTopK({ data: queries, count: queryCount, dim: description.dim }, base, { metric, k });
      return Array.from({ length: queryCount }, (_, q) =>
        Array.from(lists.ids.subarray(q * lists.k, (q + 1) * lists.k))
          .filter((row) => row >= 0)
          .map((row) => withText(rowIds?.[row] ?? [String(row)])),
      );
    },
    idSpace: rowIds ? rowIdSpace(rowIds, known.origin) : rowNumberSpace(description.rows),
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
  const known = documentIdsFor(loaded, manifest.rows, options);
  const rowIds = known.ids;
  const whitening = manifest.whitening.applied && manifest.whitening.transform ? readWhitening(manifestFilePath(loaded.path, manifest.whitening.transform), manifest.dim, manifest.whitening.shrinkage ?? 0) : undefined;
  const space = manifest.metric === 'l2' ? 'l2' : 'ip';
  const params = { ...index.params, ...fileSearchSettings(index.params, options.search, target) };
  const workDir = mkdtempSync(join(tmpdir(), 'vectorclinic-smoke-'));
  return {
    description: `${engine.name} ${index.type} index${params.efSearch ? ` (efSearch ${params.efSearch})` : params.nprobe ? ` (nprobe ${params.nprobe})` : ''}`,
    dim: manifest.dim,
    async search(queries, queryCount, k) {
      // Queries must be prepared exactly like the stored rows: whitened, then normalized.
      const prepared = Float32Array.from(queries);
      if (whitening) applyWhitening(whitening, prepared, queryCount);
      if (manifest.normalized) normalizeInPlace(prepared, queryCount, manifest.dim);
      const found = await engine.search({ path: target, dim: manifest.dim, space, params, workDir }, prepared, queryCount, k);
      return Array.from({ length: queryCount }, (_, q) =>
        Array.from(found.subarray(q * k, (q + 1) * k))
          .filter((row) => row >= 0)
          .map((row) => retrieved(rowIds?.[row] ?? [String(row)], options.texts)),
      );
    },
    idSpace: rowIds ? rowIdSpace(rowIds, known.origin) : rowNumberSpace(manifest.rows),
    close: async () => rmSync(workDir, { recursive: true, force: true }),
  };
}

/** The knobs an index file written by rebuild takes at search time (its manifest records their values). */
const FILE_SEARCH_SETTINGS = ['efSearch', 'nprobe'];

function fileSearchSettings(recorded: Readonly<Record<string, unknown>>, search: Readonly<Record<string, number>> | undefined, target: string): Record<string, number> {
  for (const name of Object.keys(search ?? {})) {
    if (!FILE_SEARCH_SETTINGS.includes(name) || !(name in recorded)) {
      const known = FILE_SEARCH_SETTINGS.filter((setting) => setting in recorded);
      throw new UsageError(`this index takes no search setting ${name}`, { where: target, hint: known.length ? `it takes ${known.join(', ')}` : 'this index has no search-time settings (exact search)' });
    }
  }
  return { ...search };
}

/**
 * The settings a store is searched with: --search if given (the source validates the names), else
 * the value the store's manifest records for the engine's own knob (what `rebuild` told the
 * application to set), else the engine's session default.
 */
async function storeSearchSettings(source: VectorSource, options: SearcherOptions): Promise<{ params?: Record<string, number>; shown: string }> {
  const show = (params: Record<string, number>, from: string): string =>
    `, ${Object.entries(params)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ')}${from}`;
  if (options.search) return { params: { ...options.search }, shown: show({ ...options.search }, '') };
  const knob = source.search?.tuning?.name;
  const recorded = knob ? (await source.storedManifest?.())?.manifest.index?.params[knob] : undefined;
  if (!knob || typeof recorded !== 'number' || !(recorded > 0)) {
    // A file that does not store its setting (a bare hnswlib file) is searched at the library's
    // default: say it is an assumption, so the recall is not read as the application's.
    const tuning = source.search?.tuning;
    return { shown: tuning?.assumed ? `, ${tuning.name} ${tuning.current} assumed (${tuning.assumed}; --search ${tuning.name}=N for the application's)` : '' };
  }
  return { params: { [knob]: recorded }, shown: show({ [knob]: recorded }, ' as its manifest records') };
}

/** Every list's ids mapped to document ids in one store round trip. */
async function documentIdsOf(lookup: (ids: readonly string[]) => Promise<string[][]>, lists: readonly (readonly (string | number | bigint)[])[]): Promise<string[][][]> {
  const flat = lists.flatMap((list) => list.map(String));
  const mapped = await lookup(flat);
  let next = 0;
  return lists.map((list) => list.map(() => mapped[next++] as string[]));
}

/** A retrieved row: its ids, and (for span questions) the texts of the documents they name. */
function retrieved(ids: readonly string[], texts: ReadonlyMap<string, string> | undefined): RetrievedRow {
  return { ids, ...(texts ? { text: ids.map((id) => texts.get(id) ?? '').join('\n') } : {}) };
}

/** A file searched by position without an id list answers in row numbers. */
function rowNumberSpace(rows: number): IdSpace {
  return {
    description: rows > 0 ? `row numbers 0–${count(rows - 1)}` : 'row numbers (it holds no rows)',
    known: async (ids) => new Set(ids.filter((id) => /^(0|[1-9]\d*)$/.test(id) && Number(id) < rows)),
  };
}

/** Ids of the rows (each row's own id and the near-duplicates folded into it). */
function rowIdSpace(rowIds: readonly (readonly string[])[], origin: string): IdSpace {
  const all = new Set(rowIds.flat());
  return { description: origin, known: async (ids) => new Set(ids.filter((id) => all.has(id))) };
}

/** Index files with their own ids (FAISS IDMap, hnswlib labels, usearch keys) answer in them. */
function labelSpace(values: BigInt64Array | readonly bigint[]): IdSpace {
  const all = new Set(Array.from(values, String));
  return { description: "the index's own ids (labels)", known: async (ids) => new Set(ids.filter((id) => all.has(id))) };
}
