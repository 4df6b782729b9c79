/** Leading bytes that identify a file format (checked before the extension). */
export const PARQUET_MAGIC: readonly number[] = [0x50, 0x41, 0x52, 0x31]; // PAR1, also the last 4 bytes
/** "ARROW1" then two padding bytes start an Arrow IPC file (Feather v2 is the same format). */
export const ARROW_FILE_MAGIC: readonly number[] = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];
