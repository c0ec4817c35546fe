// Types of _cache.js (plain JavaScript: Framework runs the loaders that import it with node).
import type { Batch } from "../data/_cached.js";
export function selfEvalFile(code: string, ext: "xlsx" | "docx"): Buffer;
export const SELFEVAL_BATCH: Batch;
