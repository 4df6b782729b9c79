import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { writeNpy } from '../../io/npy-writer.js';
import type { BuildInput, IndexEngine, SearchSpec } from './engine.js';
import { FAISS_SCRIPT } from './faiss-script.js';

/** The one command that makes the engine work on Debian/Ubuntu. */
export const FAISS_INSTALL = 'apt-get install -y python3-faiss python3-numpy';

/** Debian's interpreter is where python3-faiss installs; VECTORCLINIC_PYTHON picks another one. */
export function pythonForFaiss(): string {
  const chosen = process.env.VECTORCLINIC_PYTHON;
  if (chosen) return chosen;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

interface FaissReply {
  readonly error?: 'missing' | 'faiss';
  readonly detail?: string;
  readonly ntotal?: number;
  readonly type?: string;
  readonly codebookSha256?: string;
  readonly ids?: number[][];
}

/** Run one FAISS job in Python and parse its one-line JSON reply. */
async function runJob(job: Record<string, unknown>, workDir: string, where: string): Promise<FaissReply> {
  const jobPath = join(workDir, `faiss-job-${job.op as string}.json`);
  writeFileSync(jobPath, JSON.stringify(job));
  const python = pythonForFaiss();
  const child = spawn(python, ['-c', FAISS_SCRIPT, jobPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).catch((error: NodeJS.ErrnoException) => {
    throw new EngineError(`cannot run ${python} for FAISS (${error.code ?? error.message})`, { where, hint: `install Python with FAISS: ${FAISS_INSTALL} (or set VECTORCLINIC_PYTHON)`, cause: error });
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  let reply: FaissReply;
  try {
    reply = JSON.parse(line) as FaissReply;
  } catch {
    throw new EngineError(`FAISS builder exited with code ${code} without a result${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`, { where });
  }
  if (reply.error === 'missing') {
    throw new EngineError(`${python} has no FAISS/numpy (${reply.detail})`, {
      where,
      hint: `${FAISS_INSTALL}; or build an HNSW index with hnswlib (--out x.hnsw) or usearch (--out x.usearch), which need nothing beyond npm`,
    });
  }
  if (reply.error) throw new EngineError(`FAISS failed: ${reply.detail}`, { where });
  return reply;
}

/** FAISS through Debian's python3-faiss 1.7.3: flat, HNSW and IVF-PQ files any FAISS reads. */
export const faissEngine: IndexEngine = {
  name: 'faiss',
  types: ['flat', 'hnsw', 'ivfpq'],
  extensions: ['.faiss', '.index'],
  install: FAISS_INSTALL,
  async build(input: BuildInput) {
    const vectors = join(input.workDir, 'vectors.npy');
    writeNpy(vectors, input.data, input.count, input.dim);
    const params: Record<string, number> = input.params.type === 'hnsw' ? { ...input.params.hnsw } : input.params.type === 'ivfpq' ? { ...input.params.ivfpq } : {};
    let training: string | undefined;
    if (input.params.type === 'ivfpq') {
      if (!input.training) throw new EngineError('IVF-PQ needs training rows', { where: input.path });
      training = join(input.workDir, 'training.npy');
      writeNpy(training, input.training.data, input.training.count, input.dim);
    }
    const reply = await runJob({ op: 'build', type: input.params.type, space: input.space, params, vectors, out: input.path, ...(training ? { training } : {}) }, input.workDir, input.path);
    if (reply.ntotal !== input.count) throw new EngineError(`FAISS index holds ${reply.ntotal} vectors, expected ${input.count}`, { where: input.path });
    const type = reply.type ?? input.params.type;
    return { type, params: { ...params, space: input.space }, ...(reply.codebookSha256 ? { codebookSha256: reply.codebookSha256 } : {}) };
  },
  async count(spec: SearchSpec) {
    const reply = await runJob({ op: 'count', space: spec.space, index: spec.path }, spec.workDir, spec.path);
    return reply.ntotal ?? -1;
  },
  async search(spec, queries, queryCount, k) {
    const path = join(spec.workDir, 'queries.npy');
    writeNpy(path, queries, queryCount, spec.dim);
    const params = Object.fromEntries(Object.entries(spec.params).filter(([key]) => key === 'nprobe' || key === 'efSearch'));
    const reply = await runJob({ op: 'search', space: spec.space, index: spec.path, queries: path, k, params }, spec.workDir, spec.path);
    const out = new Int32Array(queryCount * k).fill(-1);
    (reply.ids ?? []).forEach((row, q) => row.forEach((id, i) => (out[q * k + i] = id)));
    return out;
  },
};
