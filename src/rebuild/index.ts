export { rebuild, summarize } from './rebuild.js';
export { EngineError } from './errors.js';
export { ENGINES, chooseEngine, engineByName } from './engines/index.js';
export { FAISS_INSTALL } from './engines/faiss.js';
export { INDEX_TYPES, hnswParams, ivfPqParams, type IndexType } from './params.js';
export { REBUILD_STEPS, type FindingSummary, type RebuildOptions, type RebuildPlan, type RebuildResult, type RebuildStep } from './types.js';
