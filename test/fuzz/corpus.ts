import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Message } from 'apache-arrow';
import type { SourceOptions } from '../../src/sources/source.js';
import { headAndTail, type Regions } from './mutants.js';

/**
 * One valid file per reader variant to mutate: the committed fixtures (written by the real
 * libraries: numpy, FAISS, hnswlib, usearch, apache-arrow, parquet-wasm) and small generated
 * vecs/JSONL files.
 */
export interface SeedFile {
  /** Reader family, the row of the exit-code table. */
  readonly format: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  /** File name extension the mutants are written with (decides the reader with the magic bytes). */
  readonly extension: string;
  readonly options: SourceOptions;
  readonly regions: Regions;
}

const fixtures = resolve(new URL('../fixtures', import.meta.url).pathname);

function fixture(format: string, directory: string, name: string, options: SourceOptions = {}): SeedFile {
  const bytes = readFileSync(join(fixtures, directory, name));
  const extension = name.slice(name.lastIndexOf('.'));
  const regions = format === 'arrow' ? arrowMetadataRegions(bytes) : format === 'parquet' ? parquetFooterRegions(bytes) : headAndTail(bytes.length);
  return { format, name, bytes, extension, options, regions };
}

function generated(format: string, name: string, bytes: Uint8Array): SeedFile {
  return { format, name, bytes, extension: name.slice(name.lastIndexOf('.')), options: {}, regions: headAndTail(bytes.length, 256) };
}

/** Every reader, in the order of the exit-code table. */
export function seedFiles(): SeedFile[] {
  return [
    fixture('npy', 'files/npy', 'v1-f4.npy'),
    fixture('npy', 'files/npy', 'f2.npy'),
    fixture('npy', 'files/npy', 'f8.npy'),
    generated('fvecs', 'small.fvecs', vecsBytes(12, 16, 'fvecs')),
    generated('bvecs', 'small.bvecs', vecsBytes(12, 16, 'bvecs')),
    generated('jsonl', 'small.jsonl', jsonlBytes(12, 8)),
    fixture('jsonl', 'files/jsonl', 'python-nonfinite.jsonl'),
    fixture('parquet', 'files/columnar', 'fixed-f32.parquet'),
    fixture('parquet', 'files/columnar', 'list-f64-faults.parquet'),
    fixture('arrow', 'files/columnar', 'fixed-f32.arrow'),
    fixture('arrow', 'files/columnar', 'fixed-f32.arrows'),
    fixture('arrow', 'files/columnar', 'fixed-f16.feather'),
    fixture('arrow', 'files/columnar', 'dictionary.arrows'),
    ...['flat_ip_unit', 'hnsw_sq8', 'hnsw_pq', 'ivfpq_l2_unit', 'idmap_ivf', 'pretransform_pca', 'sq4', 'pq_nbits6', 'ivfsq_fp16_direct', 'ivfflat_sparse_lists'].map((name) => fixture('faiss', 'faiss', `${name}.faiss`)),
    fixture('hnswlib', 'ann', 'l2-raw.hnswlib', { metric: 'l2' }),
    fixture('hnswlib', 'ann', 'low-m.hnswlib', { metric: 'cosine' }),
    fixture('usearch', 'ann', 'cos-f32.usearch'),
    fixture('usearch', 'ann', 'cos-i8.usearch'),
  ];
}

/** Byte ranges of every message's length prefix and flatbuffer, and of the file footer. */
export function arrowMetadataRegions(bytes: Uint8Array): Regions {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isFile = bytes[0] === 0x41; // 'ARROW1'
  const regions: [number, number][] = [];
  const footerStart = isFile ? bytes.length - 10 - view.getInt32(bytes.length - 10, true) : bytes.length;
  if (isFile) regions.push([footerStart, bytes.length]);
  for (let position = isFile ? 8 : 0; position + 8 <= footerStart; ) {
    const length = view.getInt32(position + 4, true);
    if (view.getInt32(position, true) !== -1 || length <= 0) {
      regions.push([position, position + 8]); // the end-of-stream marker
      break;
    }
    regions.push([position, position + 8 + length]);
    position += 8 + length + Message.decode(bytes.subarray(position + 8, position + 8 + length)).bodyLength;
  }
  return regions;
}

/** The Thrift footer and its length, plus the start of the file (the first page headers). */
function parquetFooterRegions(bytes: Uint8Array): Regions {
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 8, true);
  return [
    [bytes.length - 8 - footerLength, bytes.length],
    [0, Math.min(bytes.length, 512)],
  ];
}

function vecsBytes(rows: number, dim: number, kind: 'fvecs' | 'bvecs'): Uint8Array {
  const element = kind === 'fvecs' ? 4 : 1;
  const out = Buffer.alloc(rows * (4 + element * dim));
  for (let row = 0; row < rows; row++) {
    const start = row * (4 + element * dim);
    out.writeInt32LE(dim, start);
    for (let j = 0; j < dim; j++) {
      if (kind === 'fvecs') out.writeFloatLE(Math.sin(row * dim + j), start + 4 + 4 * j);
      else out.writeUInt8((row * 31 + j * 7) % 256, start + 4 + j);
    }
  }
  return out;
}

function jsonlBytes(rows: number, dim: number): Uint8Array {
  const lines = Array.from({ length: rows }, (_, row) => JSON.stringify({ id: `doc-${row}`, embedding: Array.from({ length: dim }, (_, j) => Number(Math.sin(row * dim + j).toFixed(6))) }));
  return Buffer.from(`${lines.join('\n')}\n`);
}
