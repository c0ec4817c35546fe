// Loader of /selfeval/<code>.docx: the county's (or city's) 项目支出绩效自评表 of the latest complete year.
import {parseArgs} from "node:util";
import {selfEvalFile} from "./_cache.js";

const {values} = parseArgs({options: {code: {type: "string"}}});
process.stdout.write(selfEvalFile(values.code, "docx"));
