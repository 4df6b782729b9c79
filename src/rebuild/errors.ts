import { VectorclinicError } from '../errors.js';

/** An index engine that is missing, refused the data, or wrote something that does not read back. */
export class EngineError extends VectorclinicError {}
