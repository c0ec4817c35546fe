// Loader of /bulletin/<window>.json: the file computed for it by the site batch (src/data/_batch.ts).
import {parseArgs} from "node:util";
import {emitBatchFile} from "../data/_cached.js";

const {values} = parseArgs({options: {window: {type: "string"}}});
emitBatchFile(`bulletin/${values.window}.json`);
