import type { ProcessMedia } from './types.js';

export class ProcessingError extends Error {}

/** Placeholder until the processing module lands. */
export const processMedia: ProcessMedia = async () => {
  throw new ProcessingError('not built yet');
};
