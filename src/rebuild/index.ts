export { rebuild, summarize } from './rebuild.js';
export { EngineError } from './errors.js';
export { ENGINES, chooseEngine, engineByName } from './engines/index.js';
export { FAISS_INSTALL } from './engines/faiss.js';
export { hnswParams, ivfPqParams } from './params.js';
export { INDEX_TYPES, REBUILD_STEPS, type FindingSummary, type IndexType, type RebuildOptions, type RebuildPlan, type RebuildResult, type RebuildStep } from './types.js';
