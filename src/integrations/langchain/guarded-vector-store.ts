import type { DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { VectorStore } from '@langchain/core/vectorstores';
import { StoreError } from '../../errors.js';
import { createGuard } from '../../guard/guard.js';
import { reconcile, type Reconciliation } from '../../guard/reconcile.js';
import type { BatchReport, GuardOptions, RejectedRow } from '../../guard/types.js';

export interface GuardedStoreOptions {
  /** The policy: dim, metric, normalization, what to do with bad rows. */
  readonly guard: GuardOptions;
  /** Row count of the wrapped store: with it every add is reconciled (grew by exactly `accepted`). */
  readonly count?: () => Promise<number>;
  /** Which of these ids the wrapped store already holds: they are reported instead of overwritten. */
  readonly existingIds?: (ids: readonly string[]) => Promise<Iterable<string>>;
  /** Called after every add with what the guard did. */
  readonly onReport?: (report: GuardedAddReport) => void;
}

export interface GuardedAddReport {
  readonly batch: BatchReport;
  readonly rejected: readonly RejectedRow[];
  readonly reconciliation?: Reconciliation;
}

type AddOptions = { ids?: string[] } & Record<string, unknown>;

/**
 * Any LangChain.js vector store behind the ingestion guard: `addVectors` / `addDocuments` pass only
 * rows that meet the policy (normalized once, bad rows reported, existing ids never overwritten),
 * and query vectors are checked and prepared the same way before every search.
 */
export class GuardedVectorStore<Inner extends VectorStore = VectorStore> extends VectorStore {
  declare FilterType: Inner['FilterType'];
  private readonly ingest;
  /** The last add's report (also given to `onReport`). */
  lastReport: GuardedAddReport | undefined;

  constructor(
    readonly inner: Inner,
    private readonly settings: GuardedStoreOptions,
  ) {
    super(inner.embeddings as EmbeddingsInterface, {});
    this.ingest = createGuard(settings.guard);
  }

  _vectorstoreType(): string {
    // LangChain's base constructor asks for the type before `inner` is assigned.
    return `guarded-${this.inner ? this.inner._vectorstoreType() : 'store'}`;
  }

  async addDocuments(documents: DocumentInterface[], options?: AddOptions): Promise<string[] | void> {
    const vectors = await this.embeddings.embedDocuments(documents.map((document) => document.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  async addVectors(vectors: number[][], documents: DocumentInterface[], options?: AddOptions): Promise<string[] | void> {
    const ids = options?.ids ?? documents.map((document, i) => document.id ?? `${Date.now().toString(36)}-${i}`);
    if (this.settings.existingIds) this.ingest.rememberIds(await this.settings.existingIds(ids));
    const { accepted, rejected, report } = this.ingest.check(vectors, { ids });
    const keptVectors = Array.from({ length: accepted.count }, (_, i) => Array.from(accepted.data.subarray(i * accepted.dim, (i + 1) * accepted.dim)));
    const keptDocuments = Array.from(accepted.rows, (row) => documents[row] as DocumentInterface);
    const keptIds = accepted.ids.map(String);
    const before = await this.settings.count?.();
    const result = accepted.count ? await this.inner.addVectors(keptVectors, keptDocuments, { ...options, ids: keptIds }) : [];
    const after = await this.settings.count?.();
    const reconciliation = before !== undefined && after !== undefined ? reconcile(report, { before, after }) : undefined;
    this.lastReport = { batch: report, rejected, ...(reconciliation ? { reconciliation } : {}) };
    this.settings.onReport?.(this.lastReport);
    if (reconciliation && !reconciliation.ok) {
      throw new StoreError(`the store did not take the accepted rows as given: ${reconciliation.problems.join('; ')}`, {
        where: this._vectorstoreType(),
        hint: 'the store dropped rows or overwrote existing ids; check its upsert behaviour and id handling',
      });
    }
    return result ?? keptIds;
  }

  async similaritySearchVectorWithScore(query: number[], k: number, filter?: this['FilterType']): Promise<[DocumentInterface, number][]> {
    // A fresh guard per query: queries must not count as "seen content" or ids.
    const guard = createGuard({ ...this.settings.guard, onBad: 'throw', trackIds: false, log: undefined });
    const { accepted } = guard.check([query], { batchId: 'query' });
    return this.inner.similaritySearchVectorWithScore(Array.from(accepted.data.subarray(0, accepted.dim)), k, filter);
  }
}

/** Wrap a LangChain.js vector store with the ingestion guard. */
export function guardVectorStore<Inner extends VectorStore>(store: Inner, options: GuardedStoreOptions): GuardedVectorStore<Inner> {
  return new GuardedVectorStore(store, options);
}
