// The self-evaluation forms of every county and city, computed once per warehouse and code
// version (one TypeScript process for all pages: metrics/selfeval/batch.ts) by the site's
// batch cache (src/data/_cached.js); each page's loader then copies its own file.
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {batchOutput} from "../data/_cached.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The self-evaluation batch: `<code>.xlsx` and `<code>.docx` of every county and city. */
export const SELFEVAL_BATCH = {name: "jiuzhu-selfeval", script: join(root, "metrics/selfeval/batch.ts")};

/** The bytes of the form `<code>.<ext>` (ext xlsx or docx). */
export function selfEvalFile(code, ext) {
  return batchOutput(SELFEVAL_BATCH.name, SELFEVAL_BATCH.script, `${code}.${ext}`);
}
