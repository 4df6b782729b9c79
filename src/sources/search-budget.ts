/**
 * Thrown by a search that stops early because its projected end falls after the request's
 * deadline (the audit's time budget): nothing is returned rather than an answer over part of the rows.
 */
export class SearchBudgetExceeded extends Error {
  constructor(
    /** What was cut ("exact scan"). */
    readonly what: string,
    /** How long the whole search was projected to take, in seconds. */
    readonly projectedSeconds: number,
    readonly rowsDone: number,
    readonly rowsTotal: number,
  ) {
    super(`${what}: projected ${projectedSeconds.toFixed(1)} s for ${rowsTotal} rows exceeds the audit budget`);
    this.name = 'SearchBudgetExceeded';
  }
}

/**
 * For searches that answer one query at a time: true when the next query would end after the
 * request's deadline, so the search should return the lists it has (the first `answered`
 * queries). At least `minQueries` (default 1) are always answered.
 */
export function stopForDeadline(request: { readonly count: number; readonly deadline?: number; readonly minQueries?: number }, answered: number, startedAt: number): boolean {
  if (request.deadline === undefined || answered >= request.count || answered < (request.minQueries ?? 1)) return false;
  const now = performance.now();
  const perQuery = (now - startedAt) / Math.max(1, answered);
  return now + perQuery > request.deadline;
}
