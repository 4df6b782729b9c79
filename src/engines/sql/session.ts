/**
 * The little the pushdown layer needs from a connection, whatever the engine: run a statement with
 * bind parameters, and run several in one read-only snapshot (a transaction that is rolled back).
 */
export interface SqlRunner {
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Run `work` inside one read-only transaction, always rolled back. */
  snapshot<T>(work: () => Promise<T>): Promise<T>;
}

/** A count as the driver returns it (bigint, a numeric string over the Postgres wire, a number). */
export function toCount(value: unknown): number {
  const number = typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
  return Number.isFinite(number) ? number : 0;
}
