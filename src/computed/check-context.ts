/** Shared, memoized derived data (neighbour lists, geometry) so checks never recompute each other's work. */
export interface CheckContext {
  memo<T>(key: string, compute: () => T): T;
}
