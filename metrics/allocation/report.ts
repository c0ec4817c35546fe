// What finance staff file: the table / CSV / JSON / XLSX renderings of an allocation run
// (its columns and audit facts from present.ts). Same run → same bytes (XLSX aside,
// whose zip container is compared by content).
import type { ExportRow } from "../export/columns.js";
import { toCsv } from "../export/csv.js";
import { toTextTable } from "../export/table.js";
import { toXlsx } from "../export/xlsx.js";
import { FACTOR_LABELS } from "./core.js";
import { ALLOCATION_COLUMNS, ALLOCATION_TABLE_COLUMNS, allocationRows as rowsOf, auditPairs as pairsOf } from "./present.js";
import type { AllocationRun } from "./run.js";

// The columns, constraint labels and audit facts live in present.ts, which the allocation page shares.

export function allocationRows(run: AllocationRun): ExportRow[] {
  return rowsOf(run.result.counties);
}

/** The audit facts: everything needed to reproduce the money and to notice a changed input. */
export function auditPairs(run: AllocationRun): [string, string][] {
  return pairsOf({
    window: run.window,
    pool: run.pool,
    total: run.result.total,
    eligibleCount: run.result.eligible_count,
    config: run.config,
    factorLabels: FACTOR_LABELS,
    scorecardVersion: run.inputs.scorecardVersion,
    previousRunId: run.inputs.previousRunId,
    fiscalYear: run.inputs.fiscalYear,
    rolloverWindow: run.inputs.rolloverWindow,
    inputHash: run.input_hash,
    softwareVersion: run.software_version,
    warnings: run.result.warnings,
  });
}

/** A JSON rendering without run id or clock: the same inputs give the same bytes. */
export function allocationJson(run: AllocationRun): string {
  return (
    JSON.stringify(
      {
        window: run.window,
        pool: run.pool,
        total: run.result.total,
        unit: run.config.unit,
        config: run.config,
        scorecard_version: run.inputs.scorecardVersion,
        previous_run_id: run.inputs.previousRunId,
        fiscal_year: run.inputs.fiscalYear,
        rollover_window: run.inputs.rolloverWindow,
        input_hash: run.input_hash,
        software_version: run.software_version,
        warnings: run.result.warnings,
        counties: run.result.counties,
      },
      null,
      2,
    ) + "\n"
  );
}

export function allocationCsv(run: AllocationRun): string {
  return toCsv(allocationRows(run), ALLOCATION_COLUMNS, { totalLabel: "合计" });
}

export function allocationTable(run: AllocationRun): string {
  const rows = allocationRows(run);
  const sum = (k: string) => rows.reduce((a, r) => a + (typeof r[k] === "number" ? (r[k] as number) : 0), 0);
  const head = `以奖代补资金分配 ${run.window}  资金总额 ${run.pool.toLocaleString("en-US")} 元  规则 ${run.config.version}  指标体系 ${run.inputs.scorecardVersion}  输入哈希 ${run.input_hash.slice(0, 16)}\n`;
  const warn = run.result.warnings.map((w) => `提示：${w}\n`).join("");
  return (
    head +
    warn +
    toTextTable(rows, ALLOCATION_TABLE_COLUMNS, { code: "合计", share: sum("share"), deduction: sum("deduction"), amount: sum("amount"), change: sum("change") })
  );
}

export function allocationXlsx(run: AllocationRun): Promise<Uint8Array> {
  return toXlsx({
    sheets: [{ name: `资金分配 ${run.window}`, columns: ALLOCATION_COLUMNS, rows: allocationRows(run), totalLabel: "合计" }],
    audit: auditPairs(run),
  });
}
