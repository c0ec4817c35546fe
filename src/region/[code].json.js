// Loader of /region/<code>.json: the file computed for it by the site batch (src/data/_batch.ts).
import {parseArgs} from "node:util";
import {emitBatchFile} from "../data/_cached.js";

const {values} = parseArgs({options: {code: {type: "string"}}});
emitBatchFile(`region/${values.code}.json`);
