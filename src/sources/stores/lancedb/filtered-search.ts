import type { Table } from '@lancedb/lancedb';
import { UsageError } from '../../../errors.js';
import { Rng, sampleIndices } from '../../../math/rng.js';
import type { FilterSpec, FilterValue } from '../../filters.js';
import { stopForDeadline } from '../../search-budget.js';
import type { FilterColumn, FilteredSearch, FilteredSearchResult, SearchRemedy } from '../../source.js';

/** Columns with more distinct values than this are not tenant/category columns. */
const DISCOVERY_MAX_DISTINCT = 100;
const DISCOVERY_MAX_COLUMNS = 8;

export interface LancedbFilteredOptions {
  readonly table: Table;
  readonly column: string;
  readonly dim: number;
  readonly distance: 'l2' | 'cosine' | 'dot';
  readonly target: string;
  /** Remedies for this index (larger nprobes, refineFactor, ef), measured after the default query. */
  readonly remedies: readonly SearchRemedy[];
  readonly guard: <T>(action: string, work: () => Promise<T>) => Promise<T>;
}

/**
 * Filtered search on a LanceDB table: `.where()` as the application writes it, with LanceDB's
 * default pre-filtering (the filter applied before the vector search) at its default nprobes;
 * exact answers from a flat search (bypassVectorIndex) with the same filter. LanceDB takes no
 * bound parameters: the filter is rendered from the parsed filter (a quoted identifier checked
 * against the schema, numbers, and single-quoted strings), never from the user's text.
 */
export function lancedbFilteredSearch(options: LancedbFilteredOptions): FilteredSearch {
  const { table, guard } = options;
  let schema: Promise<{ name: string; kind?: FilterColumn['kind'] }[]> | undefined;
  const fields = (): Promise<{ name: string; kind?: FilterColumn['kind'] }[]> =>
    (schema ??= guard('read the schema', async () => (await table.schema()).fields.map((field) => ({ name: field.name, kind: kindOf(String(field.type)) }))));
  const where = async (filter: FilterSpec): Promise<string> => {
    const known = await fields();
    const field = known.find((candidate) => candidate.name === filter.column);
    if (!field || field.name === options.column) {
      throw new UsageError(`--filter '${filter.text}': table ${table.name} has no column ${filter.column}`, {
        where: options.target,
        hint: `filter on one of its scalar columns: ${known
          .filter((candidate) => candidate.kind)
          .map((candidate) => candidate.name)
          .join(', ')}`,
      });
    }
    if (!field.kind) throw new UsageError(`--filter '${filter.text}': column ${filter.column} is not a number, string or boolean column`, { where: options.target });
    return renderWhere(filter);
  };

  return {
    remedies: [...options.remedies, { label: '.postfilter() (for comparison: filter after the vector search)', settings: { postfilter: 1 } }],
    async columns() {
      const candidates = (await fields()).filter((field) => field.kind && field.name !== options.column && field.name !== 'id');
      const found: FilterColumn[] = [];
      for (const field of candidates.slice(0, DISCOVERY_MAX_COLUMNS)) {
        const counts = new Map<string, { value: FilterValue; rows: number }>();
        let rows = 0;
        await guard('count filter values', async () => {
          for await (const batch of table
            .query()
            .where(`${quote(options.column)} IS NOT NULL AND ${quote(field.name)} IS NOT NULL`)
            .select([field.name])) {
            const values = batch.getChild(field.name);
            for (let i = 0; i < batch.numRows; i++) {
              const value = scalar(values?.get(i));
              const key = `${typeof value}:${String(value)}`;
              const entry = counts.get(key);
              rows++;
              if (entry) entry.rows++;
              else if (counts.size <= DISCOVERY_MAX_DISTINCT) counts.set(key, { value, rows: 1 });
            }
          }
        });
        const values = [...counts.values()].sort((a, b) => b.rows - a.rows);
        found.push({ name: field.name, kind: field.kind!, distinct: values.length, rows, values });
      }
      return found;
    },
    async count(filter) {
      const condition = await where(filter);
      return guard('count filtered rows', () => table.countRows(`${quote(options.column)} IS NOT NULL AND (${condition})`));
    },
    async sampleVectors(filter, count, seed) {
      const condition = await where(filter);
      // Row ids of the matching rows, then a seeded pick among them: the same rows run after run.
      const ids: bigint[] = [];
      await guard('read filtered rows', async () => {
        for await (const batch of table
          .query()
          .where(`${quote(options.column)} IS NOT NULL AND (${condition})`)
          .select([])
          .withRowId()) {
          const column = batch.getChild('_rowid');
          for (let i = 0; i < batch.numRows; i++) ids.push(BigInt(column?.get(i) as bigint | number));
        }
      });
      const picks = sampleIndices(ids.length, count, new Rng(seed ^ 0xf17e));
      if (picks.length === 0) return { data: new Float32Array(0), count: 0 };
      const rows = await guard('read sampled rows', () =>
        table
          .takeRowIds(picks.map((pick) => ids[pick] as bigint))
          .select([options.column])
          .toArray(),
      );
      const data = new Float32Array(rows.length * options.dim);
      let kept = 0;
      for (const row of rows) {
        const vector = Float32Array.from((row as Record<string, Iterable<number>>)[options.column] ?? []);
        if (vector.length === options.dim && vector.some((value) => value !== 0)) data.set(vector, kept++ * options.dim);
      }
      return { data: data.subarray(0, kept * options.dim), count: kept };
    },
    async search(request): Promise<FilteredSearchResult> {
      const condition = await where(request.filter);
      const settings = request.settings ?? {};
      const ids: string[][] = [];
      const started = performance.now();
      const { dim } = options;
      for (let q = 0; q < request.count && !stopForDeadline(request, q, started); q++) {
        let query = table
          .vectorSearch(request.queries.subarray(q * dim, (q + 1) * dim))
          .column(options.column)
          .distanceType(options.distance)
          .where(condition)
          .limit(request.k)
          .withRowId()
          .select(['_distance']);
        if (request.exact) query = query.bypassVectorIndex();
        else {
          if (settings.postfilter) query = query.postfilter();
          if (settings.nprobes) query = query.nprobes(Number(settings.nprobes));
          if (settings.refineFactor) query = query.refineFactor(Number(settings.refineFactor));
          if (settings.ef) query = query.ef(Number(settings.ef));
        }
        const rows = (await guard('run a filtered search', () => query.toArray())) as { _rowid: bigint | number }[];
        ids.push(rows.map((row) => String(row._rowid)));
      }
      return { ids, usesIndex: !request.exact, ...(request.exact ? { method: 'LanceDB flat search with the filter (bypassVectorIndex)' } : {}) };
    },
  };
}

/** The filter as a LanceDB (DataFusion SQL) condition, built from the parsed parts only. */
export function renderWhere(filter: FilterSpec): string {
  const values = filter.values.map(literal);
  if (filter.operator === 'IN') return `${quote(filter.column)} IN (${values.join(', ')})`;
  return `${quote(filter.column)} ${filter.operator} ${values[0]}`;
}

function literal(value: FilterValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UsageError(`filter value ${value} is not a finite number`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return `'${value.replace(/'/g, "''")}'`;
}

function quote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function kindOf(arrowType: string): FilterColumn['kind'] | undefined {
  if (/^(U?Int\d+|Float\d+|Decimal)/i.test(arrowType)) return 'number';
  if (/^(Utf8|LargeUtf8|Dictionary<.*Utf8>)/i.test(arrowType)) return 'text';
  if (/^Bool/i.test(arrowType)) return 'boolean';
  return undefined;
}

function scalar(value: unknown): FilterValue {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}
