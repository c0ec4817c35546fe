// The allocation page's inputs: for each recent window, the counties' factor values as
// the CLI's own loadAllocationInputs reads them (mart_allocation_input, and the previous
// allocation from mart_allocation), the default rules and the software version. The
// page then runs metrics/allocation/core.ts `allocate` in the browser.
import { existsSync } from "node:fs";
import { Warehouse } from "../../loaders/db.js";
import { DEFAULT_ALLOCATION } from "../../metrics/allocation/config.js";
import { loadAllocationInputs, softwareVersion, type AllocationInputs } from "../../metrics/allocation/run.js";
import { DEFAULT_SCORECARD } from "../../metrics/scorecard/config.js";
import { DB_PATH, warn } from "./_marts.js";
import { sortWindows, windowKind } from "./_windows.js";

const DEFAULT_POOL = 50_000_000;

async function inputs(): Promise<AllocationInputs[]> {
  if (!existsSync(DB_PATH)) return [];
  const wh = await Warehouse.open(DB_PATH, { readOnly: true });
  try {
    const has = await wh.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'mart_allocation_input'");
    if (has.length === 0) {
      warn("mart_allocation_input not in the warehouse yet (run `jiuzhu score`): no allocation inputs");
      return [];
    }
    const windows = sortWindows(
      (
        await wh.query<{ w: string }>(`SELECT DISTINCT "window" AS w FROM mart_allocation_input WHERE config_version = ?`, [DEFAULT_SCORECARD.version])
      ).map((r) => r.w),
    );
    // The latest year, half-year and quarter (allocations follow the longer windows).
    const chosen = (["year", "half", "quarter"] as const).map((k) => windows.filter((w) => windowKind(w) === k).at(-1)).filter((w): w is string => !!w);
    const out: AllocationInputs[] = [];
    for (const w of chosen) out.push(await loadAllocationInputs(wh, w, { compute: false }));
    return out;
  } finally {
    wh.close();
  }
}

process.stdout.write(
  JSON.stringify({
    windows: await inputs(),
    config: DEFAULT_ALLOCATION,
    defaultPool: DEFAULT_POOL,
    softwareVersion: softwareVersion(),
  }),
);
