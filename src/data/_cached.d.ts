// Types of _cached.js (plain JavaScript: Framework runs the loaders that import it with node).
export interface Batch {
  name: string;
  script: string;
}
export function batchPath(name: string, version?: string): string;
export function batchOutput(name: string, script: string, relative: string): Buffer;
export function batchFile(relative: string): Buffer;
export function emitBatchFile(relative: string): void;
export const SITE_BATCH: Batch;
