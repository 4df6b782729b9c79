import { basename } from 'node:path';
import { InputError } from '../../errors.js';
import type { RowBlock, RowIssue, ScanOptions, Segment, SourceDescription, VectorSource } from '../source.js';

/**
 * Beyond this many files, a file is opened when it is read and closed after, so a directory of
 * thousands of shards does not exhaust file descriptors.
 */
const MAX_OPEN_FILES = 64;
/** Notes repeated per file are listed up to this many times. */
const MAX_NOTES = 10;

export interface FilePart {
  readonly path: string;
  readonly open: () => Promise<VectorSource>;
}

interface OpenPart extends FilePart {
  readonly description: SourceDescription;
  readonly segment: Segment;
  source: VectorSource | undefined;
}

/**
 * Several same-format files (a directory or a glob) read as one source, in the given order.
 * Each file is a segment, so per-shard findings (mixed-norm-shards) name the file.
 */
export async function openFileParts(target: string, files: readonly FilePart[], extraNotes: readonly string[] = []): Promise<VectorSource> {
  const keepOpen = files.length <= MAX_OPEN_FILES;
  const parts: OpenPart[] = [];
  try {
    let start = 0;
    for (const file of files) {
      const source = await file.open();
      let description: SourceDescription;
      try {
        description = await source.describe();
      } finally {
        if (!keepOpen) await source.close();
      }
      parts.push({ ...file, description, segment: { name: basename(file.path), start, rows: description.rows }, source: keepOpen ? source : undefined });
      start += description.rows;
    }
    return new MultiFileSource(parts, describeParts(target, parts, extraNotes), keepOpen);
  } catch (error) {
    await Promise.all(parts.map((part) => part.source?.close()));
    throw error;
  }
}

function describeParts(target: string, parts: readonly OpenPart[], extraNotes: readonly string[]): SourceDescription {
  const first = parts[0];
  if (!first) throw new InputError('no vector files found', { where: target, hint: 'point at a directory of .npy/.fvecs/.jsonl/.parquet/.arrow files' });
  const withRows = parts.filter((part) => part.description.rows > 0);
  const reference = withRows[0] ?? first;
  for (const part of withRows) {
    if (part.description.dim !== reference.description.dim) {
      throw new InputError(`holds ${part.description.dim}-d vectors but ${reference.path} holds ${reference.description.dim}-d vectors`, {
        where: part.path,
        row: part.segment.start,
        hint: 'every file of one store must come from the same model; check the odd file separately or move it out',
      });
    }
  }
  const types = new Set(parts.map((part) => part.description.storage.type));
  const rows = parts.reduce((sum, part) => sum + part.description.rows, 0);
  return {
    kind: first.description.kind,
    target,
    rows,
    rowsExact: parts.every((part) => part.description.rowsExact),
    dim: reference.description.dim,
    storage: {
      type: types.size === 1 ? first.description.storage.type : 'unknown',
      bytes: parts.reduce((sum, part) => sum + part.description.storage.bytes, 0),
      lossy: parts.some((part) => part.description.storage.lossy),
    },
    normTolerance: Math.max(...parts.map((part) => part.description.normTolerance)),
    local: parts.every((part) => part.description.local),
    segments: parts.map((part) => part.segment),
    notes: [`${parts.length} files read as one store, in name order`, ...(types.size > 1 ? [`files differ in storage type: ${[...types].join(', ')}`] : []), ...extraNotes, ...mergeNotes(parts)],
  };
}

/** A note every file shares is shown once; others are prefixed with their file name. */
function mergeNotes(parts: readonly OpenPart[]): string[] {
  const counts = new Map<string, number>();
  for (const part of parts) for (const note of new Set(part.description.notes ?? [])) counts.set(note, (counts.get(note) ?? 0) + 1);
  const shared = [...counts].filter(([, seen]) => seen === parts.length).map(([note]) => note);
  const specific = parts.flatMap((part) => (part.description.notes ?? []).filter((note) => counts.get(note) !== parts.length).map((note) => `${part.segment.name}: ${note}`));
  const listed = specific.slice(0, MAX_NOTES);
  return [...shared, ...listed, ...(specific.length > listed.length ? [`${specific.length - listed.length} more notes about single files`] : [])];
}

class MultiFileSource implements VectorSource {
  constructor(
    private readonly parts: readonly OpenPart[],
    private readonly description: SourceDescription,
    private readonly keepOpen: boolean,
  ) {}

  async describe(): Promise<SourceDescription> {
    return this.description;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    for (const part of this.parts) {
      if (part.description.rows === 0) continue;
      const source = await this.sourceOf(part);
      try {
        for await (const block of source.scan(options)) yield shift(block, part.segment);
      } finally {
        await this.release(part);
      }
    }
  }

  async readRows(rowNumbers: readonly number[]): Promise<RowBlock> {
    const dim = this.description.dim;
    const pieces: RowBlock[] = [];
    let i = 0;
    for (const part of this.parts) {
      const end = part.segment.start + part.segment.rows;
      const local: number[] = [];
      while (i < rowNumbers.length && (rowNumbers[i] as number) < end) {
        const row = rowNumbers[i] as number;
        if (row < part.segment.start) throw new RangeError(`rows must be ascending and within 0..${this.description.rows - 1} (got ${row})`);
        local.push(row - part.segment.start);
        i++;
      }
      if (local.length === 0) continue;
      const source = await this.sourceOf(part);
      try {
        const block = await source.readRows(local);
        // The child's data may be reused by its next call: copy now.
        pieces.push(shift({ ...block, data: block.data.slice(), rows: block.rows ?? local }, part.segment));
      } finally {
        await this.release(part);
      }
    }
    if (i < rowNumbers.length) throw new RangeError(`row ${rowNumbers[i]} outside 0..${this.description.rows - 1}`);
    const count = pieces.reduce((sum, piece) => sum + piece.count, 0);
    const data = new Float32Array(count * dim);
    const rows: number[] = [];
    const issues: RowIssue[] = [];
    for (const piece of pieces) {
      data.set(piece.data.subarray(0, piece.count * dim), rows.length * dim);
      for (let k = 0; k < piece.count; k++) rows.push(piece.rows ? (piece.rows[k] as number) : piece.start + k);
      issues.push(...(piece.issues ?? []));
    }
    return { dim, count, data, start: rows[0] ?? rowNumbers[0] ?? 0, rows, ...(issues.length ? { issues } : {}) };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.parts.map(async (part) => {
        const source = part.source;
        part.source = undefined;
        await source?.close();
      }),
    );
  }

  private async sourceOf(part: OpenPart): Promise<VectorSource> {
    part.source ??= await part.open();
    return part.source;
  }

  private async release(part: OpenPart): Promise<void> {
    if (this.keepOpen) return;
    const source = part.source;
    part.source = undefined;
    await source?.close();
  }
}

/**
 * The same block with row numbers moved to the file's place in the whole set; row issues name the
 * file, since their byte offsets are within it.
 */
function shift(block: RowBlock, segment: Segment): RowBlock {
  const offset = segment.start;
  return {
    ...block,
    start: block.start + offset,
    ...(block.rows ? { rows: offset === 0 ? block.rows : Array.from(block.rows, (row) => row + offset) } : {}),
    ...(block.issues ? { issues: block.issues.map((issue) => ({ ...issue, row: issue.row + offset, detail: `${segment.name}: ${issue.detail}` })) } : {}),
  };
}
