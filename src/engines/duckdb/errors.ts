/** DuckDB's own messages, reworded where the user can act on them. */
export function describeDuckdbError(error: unknown): { readonly what: string; readonly hint?: string } | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (/Could not set lock on file|Conflicting lock/i.test(message)) {
    return { what: 'the database file is locked by another process', hint: 'DuckDB allows one writer process; stop the application holding it, or check a copy of the file' };
  }
  if (/Failure while replaying WAL/i.test(message)) {
    return {
      what: 'the database has a write-ahead log (.wal beside the file) left by a writer that stopped before its checkpoint, and a read-only open cannot replay it',
      hint: "open the file once read-write with DuckDB (opening replays the log; e.g. duckdb FILE -c 'CHECKPOINT'), or let the application that writes it open it again; then re-run",
    };
  }
  if (/not a valid DuckDB database file|Unable to open database|database file .* is not a valid|The file is not a valid/i.test(message)) {
    return {
      what: 'not a DuckDB database file (or one written by an incompatible DuckDB version)',
      hint: `this build reads DuckDB storage format of @duckdb/node-api's libduckdb; re-export with a matching DuckDB version`,
    };
  }
  return undefined;
}
