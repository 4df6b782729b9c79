import { extname } from 'node:path';
import { UsageError } from '../../errors.js';
import type { IndexType } from '../types.js';
import type { IndexEngine } from './engine.js';
import { faissEngine } from './faiss.js';
import { hnswlibEngine } from './hnswlib.js';
import { numpyEngine } from './numpy.js';
import { usearchEngine } from './usearch.js';

export const ENGINES: readonly IndexEngine[] = [hnswlibEngine, usearchEngine, faissEngine, numpyEngine];

export function engineByName(name: string): IndexEngine | undefined {
  return ENGINES.find((engine) => engine.name === name);
}

/** The engine for an output path (by extension) or an explicit --engine, checked against the index type. */
export function chooseEngine(out: string, type: IndexType, requested?: string): IndexEngine {
  const extension = extname(out).toLowerCase();
  const engine = requested ? engineByName(requested) : ENGINES.find((candidate) => candidate.extensions.includes(extension));
  if (!engine) {
    const known = ENGINES.map((e) => `${e.extensions.join('/')} (${e.name})`).join(', ');
    throw new UsageError(requested ? `unknown engine '${requested}'` : `cannot tell which engine writes '${extension || out}' files`, {
      where: '--out',
      hint: `use one of: ${known}, or pass --engine ${ENGINES.map((e) => e.name).join('|')}`,
    });
  }
  if (!engine.types.includes(type)) {
    const able = ENGINES.filter((e) => e.types.includes(type))
      .map((e) => `${e.name} (${e.extensions[0]})`)
      .join(', ');
    throw new UsageError(`${engine.name} cannot build a ${type} index`, { where: '--index', hint: `${type} indexes are built by: ${able}` });
  }
  return engine;
}
