// The level words (盟市 / 旗县（市、区）…) of the province in the warehouse, for pages without their own data file.
import { emitJson } from "./_marts.js";
import { provinceTerms } from "./_terms.js";

await emitJson((m) => provinceTerms(m));
