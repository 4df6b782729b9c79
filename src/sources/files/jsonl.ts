import { InputError } from '../../errors.js';
import type { RowBlock, ScanOptions, SourceDescription, SourceOptions, VectorSource } from '../source.js';
import { checkDimension } from './dimension-limit.js';
import { embeddingNameRank, EMBEDDING_NAMES, modalLength } from './embedding-names.js';
import { describeJsonType, fieldReader, isPlainObject, numericArray, parseJsonLine, writeVector } from './json-values.js';
import { LineIndex, MAX_LINE_BYTES } from './line-index.js';
import { LocalFile } from './local-file.js';
import { normToleranceFor } from './norm-tolerance.js';
import { printedNormTolerance, printedRoundingSigma } from './printed-precision.js';
import { RowBlockBuilder } from './row-block-builder.js';

/** Rows parsed at open to find the embedding field, the dimension and the printed precision. */
const PROBE_ROWS = 1000;
/** Rows whose printed digits set the norm tolerance; rounding is uniform across a file's writer. */
const PRECISION_PROBE_ROWS = 100;
/** Lines read per positioned read while scanning (whole lines, at least one). */
const READ_BLOCK_BYTES = 8 << 20;
/** Sampled rows closer than this (in bytes) are read with one read instead of two. */
const COALESCE_GAP_BYTES = 16 << 10;
/** Rows per scan block when the caller does not say: JSON parsing, not memory, is the cost. */
const DEFAULT_BLOCK_ROWS = 4096;
/** Fields listed in the "no embedding field" error. */
const FIELDS_LISTED = 20;

interface LineText {
  readonly row: number;
  readonly start: number;
  readonly text: string;
}

/**
 * JSON Lines (.jsonl, .ndjson): one JSON object per line, the embedding at `--field` (a dotted
 * path) or auto-detected among common names; a line may also be a bare array of numbers.
 * A first pass indexes where lines start, so sampled rows are positioned reads.
 */
export function openJsonl(path: string, options: SourceOptions = {}): VectorSource {
  const file = LocalFile.open(path);
  try {
    const lines = LineIndex.build(file);
    if (lines.rows === 0) {
      throw new InputError('holds only blank lines, no JSON rows', { where: path, byteOffset: 0, hint: 'the export wrote nothing; re-run it' });
    }
    const reader = new JsonlRowReader(file, lines);
    const probe = [...reader.texts(0, Math.min(lines.rows, PROBE_ROWS))].map((line) => reader.parse(line));
    const detected = options.field === undefined ? detectField(probe, path) : { field: options.field, others: [] };
    const read = fieldReader(detected.field);
    const arrays = probe.map((value) => numericArray(read(value))).filter((array): array is number[] => array !== undefined);
    if (arrays.length === 0) throw noVectorsError(path, detected.field, probe, read);
    const dim = modalLength(arrays.map((array) => array.length)) as number;
    checkDimension(dim, path, { byteOffset: 0 });
    const sigmas = arrays
      .filter((array) => array.length === dim)
      .slice(0, PRECISION_PROBE_ROWS)
      .map(printedRoundingSigma);
    const fieldName = detected.field === '' ? 'each line is an array' : `field '${detected.field}'`;
    const notes = [options.field === undefined ? `embedding: ${fieldName} (auto-detected${detected.others.length ? `; also found ${detected.others.join(', ')}` : ''}; choose with --field)` : undefined].filter(
      (note): note is string => note !== undefined,
    );
    const description: SourceDescription = {
      kind: 'jsonl',
      target: path,
      rows: lines.rows,
      rowsExact: true,
      dim,
      // JSON numbers are IEEE doubles; the printed digits, not the type, limit the precision.
      storage: { type: 'float64', bytes: file.size, lossy: false },
      normTolerance: printedNormTolerance(normToleranceFor('float32', dim), sigmas),
      local: true,
      ...(notes.length ? { notes } : {}),
    };
    return new JsonlSource(file, reader, read, description);
  } catch (error) {
    file.close();
    throw error;
  }
}

class JsonlSource implements VectorSource {
  constructor(
    private readonly file: LocalFile,
    private readonly reader: JsonlRowReader,
    private readonly read: (value: unknown) => unknown,
    private readonly description: SourceDescription,
  ) {}

  async describe(): Promise<SourceDescription> {
    return this.description;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    const { dim, rows } = this.description;
    const blockRows = options.blockFloats ? Math.max(1, Math.floor(options.blockFloats / dim)) : DEFAULT_BLOCK_ROWS;
    for (let first = 0; first < rows; first += blockRows) {
      options.signal?.throwIfAborted();
      const builder = new RowBlockBuilder(dim, Math.min(blockRows, rows - first));
      for (const line of this.reader.texts(first, Math.min(rows, first + blockRows))) this.decode(line, builder);
      yield builder.finish();
    }
  }

  async readRows(rowNumbers: readonly number[]): Promise<RowBlock> {
    const builder = new RowBlockBuilder(this.description.dim, rowNumbers.length);
    for (const line of this.reader.textsOf(rowNumbers)) this.decode(line, builder);
    return builder.finish(true);
  }

  async close(): Promise<void> {
    this.file.close();
  }

  private decode(line: LineText, builder: RowBlockBuilder): void {
    const { out, offset } = builder.slot();
    const problem = writeVector(this.read(this.reader.parse(line)), builder.dim, out, offset);
    if (problem) builder.reject({ ...problem, row: line.row, byteOffset: line.start });
    else builder.accept(line.row);
  }
}

/** Reads and parses lines by row number, in bounded positioned reads. */
class JsonlRowReader {
  constructor(
    private readonly file: LocalFile,
    private readonly lines: LineIndex,
  ) {}

  /** Rows [from, to) in order, reading at most READ_BLOCK_BYTES at a time (one line at least). */
  *texts(from: number, to: number): Generator<LineText> {
    let row = from;
    while (row < to) {
      const start = this.lines.start(row);
      let last = row;
      while (last + 1 < to && this.end(last + 1) - start <= READ_BLOCK_BYTES) last++;
      yield* this.span(row, last);
      row = last + 1;
    }
  }

  /** The given ascending rows; nearby rows share one read. */
  *textsOf(rowNumbers: readonly number[]): Generator<LineText> {
    let i = 0;
    while (i < rowNumbers.length) {
      const first = rowNumbers[i] as number;
      this.checkRow(first);
      let j = i + 1;
      while (j < rowNumbers.length) {
        const next = rowNumbers[j] as number;
        const previous = rowNumbers[j - 1] as number;
        if (next <= previous) throw new RangeError(`rows must be ascending and distinct (${previous} then ${next})`);
        this.checkRow(next);
        if (this.lines.start(next) - this.end(previous) >= COALESCE_GAP_BYTES) break;
        if (this.end(next) - this.lines.start(first) > READ_BLOCK_BYTES) break;
        j++;
      }
      yield* this.span(first, rowNumbers[j - 1] as number, rowNumbers.slice(i, j));
      i = j;
    }
  }

  parse(line: LineText): unknown {
    try {
      return parseJsonLine(line.text);
    } catch (error) {
      throw this.syntaxError(line, error);
    }
  }

  /** One read covering rows first..last; yields the `wanted` rows among them (all when not given). */
  private *span(first: number, last: number, wanted?: readonly number[]): Generator<LineText> {
    const spanStart = this.lines.start(first);
    const bytes = Buffer.from(this.file.read(spanStart, this.end(last) - spanStart, `line ${this.lines.lineNumber(first)}`).buffer);
    const emit = (row: number): LineText => {
      const start = this.lines.start(row);
      return { row, start, text: bytes.toString('utf8', start - spanStart, this.end(row) - spanStart) };
    };
    if (wanted) {
      for (const row of wanted) yield emit(row);
    } else {
      for (let row = first; row <= last; row++) yield emit(row);
    }
  }

  /** The row's bytes end at the next row; blank runs after a line are cut at the line-length limit. */
  private end(row: number): number {
    return Math.min(this.lines.end(row), this.lines.start(row) + MAX_LINE_BYTES + 1);
  }

  private checkRow(row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.lines.rows) throw new RangeError(`row ${row} outside 0..${this.lines.rows - 1}`);
  }

  private syntaxError(line: LineText, error: unknown): InputError {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const byteOffset = line.start + (position ? Buffer.byteLength(line.text.slice(0, Number(position[1]))) : 0);
    // Drop V8's quoted copy of the line and escape control characters (binary input) for the terminal.
    const reason = message.replace(/,\s*(\.\.\.)?".*"(\.\.\.)?\s*is not valid JSON$/s, '').replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const lastLine = line.row === this.lines.rows - 1;
    const cutOff = lastLine && !line.text.endsWith('\n');
    return new InputError(`line ${this.lines.lineNumber(line.row)} is not valid JSON (${reason})`, {
      where: this.file.path,
      byteOffset,
      row: line.row,
      hint: cutOff ? 'the last line is cut off (the file was truncated while being written); re-export it or drop the partial line' : 'every line must be one complete JSON value; fix or remove this line',
      cause: error,
    });
  }
}

/** The embedding's field: the best-ranked common name holding an array of numbers in the probe rows. */
function detectField(probe: readonly unknown[], path: string): { field: string; others: string[] } {
  if (probe.some((value) => numericArray(value) !== undefined)) return { field: '', others: [] };
  const found = new Map<string, number>();
  for (const value of probe) {
    if (!isPlainObject(value)) continue;
    for (const [key, inner] of Object.entries(value)) {
      const rank = embeddingNameRank(key);
      if (rank >= 0 && numericArray(inner)) found.set(key, Math.min(found.get(key) ?? rank, rank));
      if (!isPlainObject(inner)) continue;
      for (const [innerKey, innerValue] of Object.entries(inner)) {
        const innerRank = embeddingNameRank(innerKey);
        // Nested fields rank after every top-level one.
        if (innerRank >= 0 && numericArray(innerValue)) found.set(`${key}.${innerKey}`, EMBEDDING_NAMES.length + innerRank);
      }
    }
  }
  const ranked = [...found.entries()].sort((a, b) => a[1] - b[1]).map(([name]) => name);
  const [field, ...others] = ranked;
  if (field === undefined) {
    throw new InputError(`no embedding field found in the first ${probe.length} lines (fields: ${fieldsSeen(probe).join(', ') || 'none'})`, {
      where: path,
      byteOffset: 0,
      hint: `name the field holding the vector with --field (dotted paths like data.embedding work); looked for ${EMBEDDING_NAMES.join(', ')}`,
    });
  }
  return { field, others };
}

function noVectorsError(path: string, field: string, probe: readonly unknown[], read: (value: unknown) => unknown): InputError {
  const present = probe.map(read).find((value) => value !== undefined);
  const what = present === undefined ? 'is missing from' : `holds ${describeJsonType(present)}, not an array of numbers, in`;
  return new InputError(`field '${field}' ${what} the first ${probe.length} lines (fields: ${fieldsSeen(probe).join(', ') || 'none'})`, {
    where: path,
    byteOffset: 0,
    hint: 'name the field holding the vector with --field (dotted paths like data.embedding work)',
  });
}

/** Top-level fields and one level of nested fields seen in the probe rows, for error messages. */
function fieldsSeen(probe: readonly unknown[]): string[] {
  const names = new Set<string>();
  for (const value of probe) {
    if (!isPlainObject(value)) continue;
    for (const [key, inner] of Object.entries(value)) {
      if (isPlainObject(inner)) for (const innerKey of Object.keys(inner)) names.add(`${key}.${innerKey}`);
      else names.add(key);
      if (names.size >= FIELDS_LISTED) return [...names];
    }
  }
  return [...names];
}
