import type { RowBlock, RowIssue, ScanOptions, SearchCapability, SourceDescription, VectorSource } from '../source.js';
import { SearchBudgetExceeded } from '../search-budget.js';
import { storeFailure } from '../../engines/store-errors.js';

/**
 * What every live store has in common, whatever the engine: a description read once from its
 * catalog, rows read through the engine (never copied out wholesale), an optional index search
 * with an exact path, and errors that name the store. One subclass per engine folder.
 */
export abstract class StoreSource implements VectorSource {
  /** Set by subclasses whose store has a vector index (a store without one cannot be audited). */
  search?: SearchCapability;

  private description?: Promise<SourceDescription>;
  private closed = false;

  protected constructor(
    /** The store URL with secrets redacted: every error and report names the store by this. */
    readonly target: string,
  ) {}

  describe(): Promise<SourceDescription> {
    this.description ??= this.load();
    return this.description;
  }

  abstract readRows(rows: readonly number[]): Promise<RowBlock>;
  abstract scan(options?: ScanOptions): AsyncIterable<RowBlock>;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.disconnect();
  }

  /** Read the catalog: shape, counts, index. Called once. */
  protected abstract load(): Promise<SourceDescription>;
  protected abstract disconnect(): Promise<void>;

  /** Run one engine call; whatever the client throws becomes a StoreError naming this store. */
  protected async guard<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // A search stopped by the audit's budget is not a store failure: the audit reports it.
      if (error instanceof SearchBudgetExceeded) throw error;
      throw storeFailure(this.target, action, error, (raw) => this.explain(raw));
    }
  }

  /** Engine-specific wording for an error (a missing table, a permission), or undefined. */
  protected explain(_error: unknown): { readonly what: string; readonly hint?: string } | undefined {
    return undefined;
  }
}

/**
 * Collects rows a store returned into one RowBlock: vectors of the wrong length (unconstrained
 * columns, schemaless collections) and unreadable values become row issues instead of data.
 * Rows with no vector at all are the source's to skip: stores count those themselves.
 */
export class StoreRowCollector {
  private readonly data: Float32Array;
  private readonly rows: number[] = [];
  private readonly issues: RowIssue[] = [];

  constructor(
    private readonly dim: number,
    capacity: number,
  ) {
    this.data = new Float32Array(capacity * dim);
  }

  add(row: number, values: ArrayLike<number>): void {
    if (values.length !== this.dim) {
      this.issues.push({ row, kind: 'length', detail: `${values.length} values, expected ${this.dim}`, length: values.length });
      return;
    }
    this.data.set(values, this.rows.length * this.dim);
    this.rows.push(row);
  }

  /** Record a row whose stored text could not be parsed. */
  unparsable(row: number, detail: string): void {
    this.issues.push({ row, kind: 'parse', detail });
  }

  finish(): RowBlock {
    const count = this.rows.length;
    return {
      dim: this.dim,
      count,
      data: this.data.subarray(0, count * this.dim),
      start: this.rows[0] ?? 0,
      rows: this.rows,
      ...(this.issues.length ? { issues: this.issues } : {}),
    };
  }
}
