/** Shared, memoized derived data (neighbour lists, geometry) so checks never recompute each other's work. */
export interface CheckContext {
  memo<T>(key: string, compute: () => T): T;
}

export function createContext(): CheckContext {
  const cache = new Map<string, unknown>();
  return {
    memo<T>(key: string, compute: () => T): T {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
  };
}
