// What finance staff file: the table / CSV / JSON / XLSX renderings of an allocation run
// (its columns and audit facts from present.ts). Same run → same bytes; the allocation page
// builds its downloads with the same functions of present.ts and metrics/export.
import type { ExportRow } from "../export/columns.js";
import { toCsv } from "../export/csv.js";
import { toTextTable } from "../export/table.js";
import { toXlsx } from "../export/xlsx.js";
import { FACTOR_LABELS } from "./core.js";
import { AUDIT_COLUMNS, allocationColumns, allocationRows as rowsOf, allocationWorkbook, auditPairs as pairsOf, auditRows, columnTotal, countyColumnsFor } from "./present.js";
import type { AllocationRun } from "./run.js";

/** The columns that fit a terminal. */
const TABLE_KEYS = ["code", "city_name", "name", "grade", "composite", "share", "before_deduction", "deduction", "redistribution", "amount", "change", "bound_label", "note"];

const cityNames = (run: AllocationRun) => Object.fromEntries([...run.inputs.cities, ...(run.result.cities ?? [])].map((c) => [c.code, c.name]));

/** The counties' rows (two-level runs: with their city's name). */
export function allocationRows(run: AllocationRun): ExportRow[] {
  return rowsOf(run.result.counties, run.level === "city" ? cityNames(run) : {});
}

/** The cities' rows of a two-level run (the first level). */
export function cityRows(run: AllocationRun): ExportRow[] {
  return rowsOf(run.result.cities ?? []);
}

function countyColumns(run: AllocationRun) {
  return countyColumnsFor(run.inputs.terms, run.level);
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
    level: run.level,
    terms: run.inputs.terms,
    extra: run.level === "city" ? cityChecks(run) : [],
  });
}

/** Two-level runs: each city's amount equals the sum over its counties (stated per city). */
function cityChecks(run: AllocationRun): [string, string][] {
  return (run.result.cities ?? []).map((c) => {
    const sum = run.result.counties.filter((k) => k.city_code === c.code).reduce((a, k) => a + k.amount, 0);
    return [`${run.inputs.terms.city}核对 ${c.name}（${c.code}）`, `${run.inputs.terms.city}分配 ${c.amount} 元 = 下辖${run.inputs.terms.countyShort}分配之和 ${sum} 元${sum === c.amount ? "" : "（不等！）"}`];
  });
}

/** A JSON rendering without run id or clock: the same inputs give the same bytes. */
export function allocationJson(run: AllocationRun): string {
  return (
    JSON.stringify(
      {
        window: run.window,
        level: run.level,
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
        ...(run.level === "city" ? { cities: run.result.cities } : {}),
        counties: run.result.counties,
      },
      null,
      2,
    ) + "\n"
  );
}

/** The table only (counties; a two-level run's cities are in the XLSX and the JSON). */
export function allocationCsv(run: AllocationRun): string {
  return toCsv(allocationRows(run), countyColumns(run), { totalLabel: "合计" });
}

/** The audit facts as a CSV of their own (`…-audit.csv`). */
export function allocationAuditCsv(run: AllocationRun): string {
  return toCsv(auditRows(auditPairs(run)), AUDIT_COLUMNS);
}

export function allocationTable(run: AllocationRun): string {
  const rows = allocationRows(run);
  const head = `以奖代补资金分配 ${run.window}${run.level === "city" ? `（两级：先${run.inputs.terms.city}后${run.inputs.terms.countyShort}）` : ""}  资金总额 ${run.pool.toLocaleString("en-US")} 元  规则 ${run.config.version}  指标体系 ${run.inputs.scorecardVersion}  输入哈希 ${run.input_hash.slice(0, 16)}\n`;
  const warn = run.result.warnings.map((w) => `提示：${w}\n`).join("");
  const footer = Object.fromEntries(
    ["share", "before_deduction", "deduction", "redistribution", "amount", "change"].map((k) => [k, columnTotal(rows, k)]),
  );
  const cities =
    run.level === "city"
      ? toTextTable(cityRows(run), allocationColumns(run.inputs.terms, "city").filter((c) => ["code", "name", "composite", "need", "fiscal", "share", "amount", "note"].includes(c.key)), { code: "合计", amount: columnTotal(cityRows(run), "amount") }) + "\n"
      : "";
  return head + warn + cities + toTextTable(rows, countyColumns(run).filter((c) => TABLE_KEYS.includes(c.key)), { code: "合计", ...footer });
}

export function allocationXlsx(run: AllocationRun): Uint8Array {
  return toXlsx(
    allocationWorkbook({
      window: run.window,
      pool: run.pool,
      level: run.level,
      terms: run.inputs.terms,
      counties: run.result.counties,
      cities: run.result.cities,
      audit: auditPairs(run),
    }),
  );
}
