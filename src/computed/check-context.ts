/** Shared, memoized derived data (neighbour lists, geometry) so checks never recompute each other's work. */
export interface CheckContext {
  memo<T>(key: string, compute: () => T): T;
}

/** `cache`: where the memoized values live (a caller that reads them afterwards passes its own). */
export function createContext(cache = new Map<string, unknown>()): CheckContext {
  return {
    memo<T>(key: string, compute: () => T): T {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
  };
}
