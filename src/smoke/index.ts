export { compareSmoke, smoke, type SmokeOptions } from './smoke.js';
export type { QueryEmbedding } from './embed.js';
export { DEFAULT_QUESTIONS, SMOKE_DEPTH, SMOKE_KS, type QuestionOutcome, type SmokeComparison, type SmokeResult } from './types.js';
