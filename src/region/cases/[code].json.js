// Loader of /region/cases/<code>.json: a county's masked case lists, computed by the site batch (src/data/_batch.ts).
import {parseArgs} from "node:util";
import {emitBatchFile} from "../../data/_cached.js";

const {values} = parseArgs({options: {code: {type: "string"}}});
emitBatchFile(`region/cases/${values.code}.json`);
