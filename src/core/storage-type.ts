/** How stored vectors are encoded: what a reader widens to float32, and what the report calls the storage. */
export type StorageType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int8' | 'uint8' | 'binary' | 'sq' | 'pq' | 'unknown';
