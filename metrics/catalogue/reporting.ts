import { CONFIG, TARGETS } from "../config.js";
import type { IndicatorDef } from "./types.js";

const common = {
  family: "reporting",
  window: "each_month",
  extracts: CONFIG.monthlyExtracts,
  required: [],
  aggregation: "ratio_of_sums",
  unit: "ratio",
  direction: "higher_better",
} as const;

export const REPORTING: IndicatorDef[] = [
  {
    ...common,
    id: "reporting.completeness",
    name: { zh: "报送完整率", en: "Deliveries complete" },
    definition: `Expected (county, extract, month) deliveries present ÷ expected, for the extracts configured as monthly (${CONFIG.monthlyExtracts.join(", ")}), each expected from the first month its province has it, in every month of the window up to the latest data month. Event ledgers are judged on coverage instead (ledger freshness).`,
    definition_zh: "应报送的（区县、台账、月份）中已报送的比例。",
    formula_zh: "已报送数 ÷ 应报送数",
    target: TARGETS["reporting.completeness"],
    source: "001 四(一) 报告制度",
  },
  {
    ...common,
    id: "reporting.timeliness",
    name: { zh: "报送及时率", en: "Deliveries on time" },
    definition: `Expected deliveries whose first file was received by the ${CONFIG.deliveryDeadlineDay}th of the next month ÷ expected (needs the load log's received_at).`,
    definition_zh: `应报送的台账中在次月${CONFIG.deliveryDeadlineDay}日前报送的比例。`,
    formula_zh: "按时报送数 ÷ 应报送数",
    target: TARGETS["reporting.timeliness"],
    source: "001 四(一) 逐级上报时限",
  },
];
