export { compareSmoke, smoke, type SmokeOptions } from './smoke.js';
export type { QueryEmbedding } from './embed.js';
export { MIN_RESOLVED_SHARE, MIN_SAMPLE, SMOKE_DEPTH, SMOKE_KS, type QuestionOutcome, type SmokeComparison, type SmokeResult } from './types.js';
export type { Interval } from './intervals.js';
