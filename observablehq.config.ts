// Observable Framework configuration of the Jiuzhu site: Chinese, offline, one
// page per region, indicator and bulletin window (listed from the warehouse).
import { existsSync } from "node:fs";
import { DEFAULT_DB, Warehouse } from "./loaders/db.js";
import { INDICATOR_IDS } from "./metrics/catalogue/ids.js";

const DB = process.env.JIUZHU_DB ?? DEFAULT_DB;

/** Regions and windows present in the indicator mart (none while the warehouse is empty). */
async function martKeys(): Promise<{ regions: string[]; windows: string[] }> {
  if (!existsSync(DB)) return { regions: [], windows: [] };
  const wh = await Warehouse.open(DB, { readOnly: true });
  try {
    const has = await wh.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'mart_indicator'");
    if (has.length === 0) return { regions: [], windows: [] };
    const regions = await wh.query<{ code: string }>(
      "SELECT DISTINCT region_code AS code FROM mart_indicator WHERE level IN ('province', 'city', 'county') ORDER BY 1",
    );
    const windows = await wh.query<{ w: string }>('SELECT DISTINCT "window" AS w FROM mart_indicator ORDER BY 1');
    return { regions: regions.map((r) => r.code), windows: windows.map((r) => r.w) };
  } finally {
    wh.close();
  }
}

export default {
  root: "src",
  // The pipeline builds into a temporary folder and swaps it in (bin/site.ts).
  output: process.env.JIUZHU_SITE_OUT ?? "dist",
  // Links end in .html so any plain static server (nginx, IIS, python3 -m http.server)
  // finds every page without rewrite rules.
  preserveExtension: true,
  title: "救助绩效评价",
  // Our own stylesheet (Framework's default theme + CJK fonts); no Google Fonts link.
  style: "style.css",
  globalStylesheets: [],
  // Framework writes <html> without lang; Chinese fonts and screen readers need it.
  head: '<script>document.documentElement.lang="zh-CN"</script><link rel="icon" href="data:,">',
  header: "",
  footer: "救助绩效评价系统 · 数据来自各区县报送的台账，经仓库计算生成；页面仅作工作参考。",
  search: false, // Framework's search index tokenises Chinese poorly
  sidebar: true,
  pager: false,
  toc: false,
  pages: [
    { name: "总览", path: "/" },
    { name: "记分卡", path: "/scorecard" },
    { name: "地区", path: "/regions" },
    { name: "指标", path: "/indicators" },
    { name: "以奖代补资金分配", path: "/allocation" },
    { name: "通报", path: "/bulletin" },
    { name: "数据质量", path: "/quality" },
    { name: "指标说明", path: "/methodology" },
  ],
  async *dynamicPaths() {
    const { regions, windows } = await martKeys();
    for (const code of regions) yield `/region/${code}`;
    for (const id of INDICATOR_IDS) yield `/indicator/${id}`;
    for (const w of windows) yield `/bulletin/${w}`;
  },
};
