// DB glue of the allocation: gather the inputs (mart_allocation_input and the previous
// allocation), run the pure core, hash the inputs, record the run.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { quoteIdent, type Warehouse } from "../../loaders/db.js";
import { DEFAULT_SCORECARD, type ScorecardConfig } from "../scorecard/config.js";
import { computeScores } from "../scorecard/compute.js";
import { appendRows, ensureTable, tableExists, type TableColumn, type TableRow } from "../scorecard/store.js";
import { parseWindow, previousWindow } from "../windows.js";
import { DEFAULT_ALLOCATION } from "./config.js";
import { levelTerms, type LevelTerms } from "../terms.js";
import { allocate, allocateTwoLevel, type AllocationConfig, type AllocationCountyInput, type AllocationResult, type CityInput, type CountyAllocation } from "./core.js";
import { rolloverWindowsOf } from "./inputs.js";
import { canonicalInputs, canonicalJson } from "./present.js";

export const META_ALLOCATION: readonly TableColumn[] = [
  { name: "run_id", type: "VARCHAR" },
  { name: "created_at", type: "TIMESTAMP" },
  { name: "pool", type: "BIGINT" },
  { name: "window", type: "VARCHAR" },
  { name: "level", type: "VARCHAR" },
  { name: "unit", type: "BIGINT" },
  { name: "weights", type: "VARCHAR" },
  { name: "config", type: "VARCHAR" },
  { name: "config_version", type: "VARCHAR" },
  { name: "scorecard_version", type: "VARCHAR" },
  { name: "previous_run_id", type: "VARCHAR" },
  { name: "fiscal_year", type: "INTEGER" },
  { name: "rollover_window", type: "VARCHAR" },
  { name: "input_hash", type: "VARCHAR" },
  { name: "inputs", type: "VARCHAR" },
  { name: "software_version", type: "VARCHAR" },
  { name: "total", type: "BIGINT" },
  { name: "eligible_count", type: "INTEGER" },
  { name: "warnings", type: "VARCHAR[]" },
];

export const MART_ALLOCATION: readonly TableColumn[] = [
  { name: "run_id", type: "VARCHAR" },
  { name: "window", type: "VARCHAR" },
  { name: "county_code", type: "VARCHAR" },
  { name: "county_name", type: "VARCHAR" },
  { name: "grade", type: "VARCHAR" },
  { name: "composite", type: "DOUBLE" },
  { name: "eligible", type: "BOOLEAN" },
  { name: "excluded_reason", type: "VARCHAR" },
  { name: "need", type: "DOUBLE" },
  { name: "fiscal", type: "DOUBLE" },
  { name: "performance", type: "DOUBLE" },
  { name: "rollover_ratio", type: "DOUBLE" },
  { name: "need_share", type: "DOUBLE" },
  { name: "fiscal_share", type: "DOUBLE" },
  { name: "performance_share", type: "DOUBLE" },
  { name: "share", type: "DOUBLE" },
  { name: "target", type: "DOUBLE" },
  { name: "lower_bound", type: "BIGINT" },
  { name: "upper_bound", type: "BIGINT" },
  { name: "bound", type: "VARCHAR" },
  { name: "before_deduction", type: "BIGINT" },
  { name: "deduction", type: "BIGINT" },
  { name: "amount", type: "BIGINT" },
  { name: "previous_amount", type: "BIGINT" },
  { name: "change", type: "BIGINT" },
  { name: "change_ratio", type: "DOUBLE" },
  // Added with the reconciling columns (older warehouses get them by ALTER TABLE … ADD COLUMN).
  { name: "region_level", type: "VARCHAR" },
  { name: "city_code", type: "VARCHAR" },
  { name: "factor_amount", type: "BIGINT" },
  { name: "bound_adjustment", type: "BIGINT" },
  { name: "redistribution", type: "BIGINT" },
  { name: "rollover_balance", type: "DOUBLE" },
  { name: "rollover_spent", type: "DOUBLE" },
  { name: "note", type: "VARCHAR" },
];

/** The version in package.json (the software that computed the money). */
export function softwareVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export interface AllocationInputs {
  window: string;
  counties: AllocationCountyInput[];
  scorecardVersion: string;
  previousRunId: string | null;
  fiscalYear: number | null;
  rolloverWindow: string;
  /** The cities' own scores (for the two-level allocation), by code. */
  cities: CityInput[];
  /** The province's level words (metrics/terms.ts). */
  terms: LevelTerms;
}

/** Gather the counties' factor values for a window from mart_allocation_input (scoring the window first if it has none yet). */
export async function loadAllocationInputs(
  wh: Warehouse,
  window: string,
  options: {
    scorecard?: ScorecardConfig;
    previousRunId?: string | null;
    /** Score the window when it has no inputs yet (default true; false for read-only warehouses, e.g. site loaders). */
    compute?: boolean;
  } = {},
): Promise<AllocationInputs> {
  const scorecard = options.scorecard ?? DEFAULT_SCORECARD;
  parseWindow(window);
  const read = async () =>
    (await tableExists(wh, "mart_allocation_input"))
      ? await wh.query<{
          county_code: string;
          county_name: string;
          city_code: string | null;
          composite: number | null;
          grade: string | null;
          persons: number | null;
          fiscal_difficulty: number | null;
          fiscal_year: number | null;
          rollover_window: string;
          rollover_ratio: number | null;
          rollover_balance: number | null;
          rollover_spent: number | null;
        }>(
          // The need is the monthly average to 4 places: the exact decimal the run uses and the exports show.
          `SELECT county_code, county_name, city_code, composite, grade, CAST(round(persons, 4) AS DOUBLE) AS persons, fiscal_difficulty, fiscal_year, rollover_window,
                  rollover_ratio, CAST(round(rollover_balance, 2) AS DOUBLE) AS rollover_balance, CAST(round(rollover_spent, 2) AS DOUBLE) AS rollover_spent
             FROM mart_allocation_input WHERE "window" = ? AND config_version = ? ORDER BY county_code`,
          [window, scorecard.version],
        )
      : [];
  let rows = await read();
  if (rows.length === 0) {
    if (options.compute === false)
      throw new Error(`mart_allocation_input has no counties for window ${window} under scorecard ${scorecard.version}: run \`jiuzhu score --window ${window}\` first`);
    await computeScores(wh, { windows: [window], config: scorecard });
    rows = await read();
  }

  // The previous allocation: the named run, or the latest recorded for the window before this one.
  let previousRunId = options.previousRunId ?? null;
  if (previousRunId === null && (await tableExists(wh, "meta_allocation"))) {
    const prev = await wh.query<{ run_id: string }>(
      `SELECT run_id FROM meta_allocation WHERE "window" = ? ORDER BY created_at DESC, run_id DESC LIMIT 1`,
      [previousWindow(window)],
    );
    previousRunId = prev[0]?.run_id ?? null;
  }
  const previous = new Map<string, number>();
  if (previousRunId !== null) {
    if (!(await tableExists(wh, "mart_allocation"))) throw new Error(`previous allocation run ${previousRunId} not found`);
    const level = (await wh.query<{ n: bigint }>(`SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'mart_allocation' AND column_name = 'region_level'`))[0]!.n > 0n;
    const prev = await wh.query<{ county_code: string; amount: bigint }>(
      `SELECT county_code, amount FROM mart_allocation WHERE run_id = ?${level ? ` AND coalesce(region_level, 'county') = 'county'` : ""}`,
      [previousRunId],
    );
    if (prev.length === 0) throw new Error(`previous allocation run ${previousRunId} not found`);
    for (const r of prev) previous.set(r.county_code, Number(r.amount));
  }

  const counties: AllocationCountyInput[] = rows.map((r) => ({
    code: r.county_code,
    name: r.county_name,
    grade: r.grade,
    composite: r.composite,
    need: r.persons,
    fiscal: r.fiscal_difficulty,
    city_code: r.city_code,
    previous: previousRunId === null ? null : (previous.get(r.county_code) ?? 0),
    rollover:
      r.rollover_ratio !== null && r.rollover_balance !== null && r.rollover_spent !== null
        ? { ratio: r.rollover_ratio, balance: r.rollover_balance, spent: r.rollover_spent }
        : null,
  }));
  const fiscalYear = rows[0]?.fiscal_year ?? null;
  const rolloverWindow = rows[0]?.rollover_window ?? rolloverWindowsOf(window).at(-1)!;
  const cities = (await tableExists(wh, "mart_score"))
    ? (
        await wh.query<{ code: string; name: string; composite: number | null; grade: string | null }>(
          `SELECT region_code AS code, region_name AS name, composite, grade FROM mart_score WHERE "window" = ? AND level = 'city' AND config_version = ? ORDER BY region_code`,
          [window, scorecard.version],
        )
      ).filter((c) => counties.some((k) => k.city_code === c.code))
    : [];
  const terms = levelTerms(counties[0]?.code ?? null);
  return { window, counties, scorecardVersion: scorecard.version, previousRunId, fiscalYear, rolloverWindow, cities, terms };
}

export interface AllocationRun {
  run_id: string | null;
  created_at: Date;
  window: string;
  pool: number;
  level: "county" | "city";
  config: AllocationConfig;
  inputs: AllocationInputs;
  input_hash: string;
  /** The canonical JSON the hash is taken of. */
  inputs_json: string;
  software_version: string;
  result: AllocationResult;
}

export interface RunAllocationOptions {
  window: string;
  pool: number;
  config?: AllocationConfig;
  scorecard?: ScorecardConfig;
  previousRunId?: string | null;
  /** county (default): the pool over the counties; city: over the cities, then each city's over its counties. */
  level?: "county" | "city";
  /** Record the run in meta_allocation and mart_allocation (default true). */
  record?: boolean;
  now?: Date;
}

/** The hash of everything the money depends on. */
export function inputHash(window: string, pool: number, config: AllocationConfig, inputs: AllocationInputs, level: "county" | "city" = "county"): string {
  return sha256(canonicalInputs(window, pool, config, hashed(inputs), level));
}

/** What the hash covers of the inputs (the level words are presentation, not input). */
function hashed(inputs: AllocationInputs) {
  return { scorecardVersion: inputs.scorecardVersion, previousRunId: inputs.previousRunId, counties: inputs.counties, cities: inputs.cities };
}

export interface InputDifference {
  /** "pool", "config.weights.need", "150103.fiscal", … */
  what: string;
  before: unknown;
  after: unknown;
}

/** What changed between two canonical input documents (recorded run vs. now). */
export function diffInputs(beforeJson: string, afterJson: string): InputDifference[] {
  const out: InputDifference[] = [];
  const walk = (path: string, a: unknown, b: unknown) => {
    if (canonicalJson(a) === canonicalJson(b)) return;
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const k of keys) walk(path ? `${path}.${k}` : k, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
      return;
    }
    out.push({ what: path, before: a ?? null, after: b ?? null });
  };
  type Doc = Record<string, unknown> & { counties?: { code: string }[] };
  const before = JSON.parse(beforeJson) as Doc;
  const after = JSON.parse(afterJson) as Doc;
  const byCode = (d: Doc) => Object.fromEntries((d.counties ?? []).map((c) => [c.code, c]));
  walk("", { ...before, counties: byCode(before) }, { ...after, counties: byCode(after) });
  return out.map((d) => ({ ...d, what: d.what.replace(/^counties\./, "") }));
}

/** Compare a run with a recorded one: same hash, and otherwise which inputs changed. */
export async function compareWithRecorded(wh: Warehouse, run: AllocationRun, runId: string): Promise<{ same: boolean; differences: InputDifference[] }> {
  const rows = (await tableExists(wh, "meta_allocation"))
    ? await wh.query<{ input_hash: string; inputs: string }>("SELECT input_hash, inputs FROM meta_allocation WHERE run_id = ?", [runId])
    : [];
  if (rows.length === 0) throw new Error(`allocation run ${runId} not found in meta_allocation`);
  const same = rows[0]!.input_hash === run.input_hash;
  return { same, differences: same ? [] : diffInputs(rows[0]!.inputs, run.inputs_json) };
}

export async function runAllocation(wh: Warehouse, options: RunAllocationOptions): Promise<AllocationRun> {
  const config = options.config ?? DEFAULT_ALLOCATION;
  const inputs = await loadAllocationInputs(wh, options.window, { scorecard: options.scorecard, previousRunId: options.previousRunId });
  if (inputs.counties.length === 0) throw new Error(`no county has a score for window ${options.window}`);
  const level = options.level ?? "county";
  const result =
    level === "city"
      ? allocateTwoLevel({ pool: options.pool, counties: inputs.counties, cities: inputs.cities }, config, inputs.terms)
      : allocate({ pool: options.pool, counties: inputs.counties }, config, inputs.terms);
  const inputsJson = canonicalInputs(options.window, options.pool, config, hashed(inputs), level);
  const hash = sha256(inputsJson);
  const now = options.now ?? new Date();
  const run: AllocationRun = {
    run_id: null,
    created_at: now,
    window: options.window,
    pool: options.pool,
    level,
    config,
    inputs,
    input_hash: hash,
    inputs_json: inputsJson,
    software_version: softwareVersion(),
    result,
  };
  if (options.record !== false) {
    run.run_id = `${options.window}${level === "city" ? "-city" : ""}-${now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}-${hash.slice(0, 8)}`;
    await recordAllocation(wh, run);
  }
  return run;
}

/** A record table of an older layout gets the columns added since, at its end (never dropped). */
async function addMissingColumns(wh: Warehouse, table: string, columns: readonly TableColumn[]): Promise<void> {
  const have = new Set(
    (await wh.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table])).map((r) => r.column_name),
  );
  if (have.size === 0) return;
  for (const c of columns) if (!have.has(c.name)) await wh.run(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(c.name)} ${c.type}`);
}

async function recordAllocation(wh: Warehouse, run: AllocationRun): Promise<void> {
  const meta: TableRow = {
    run_id: run.run_id,
    created_at: run.created_at,
    pool: run.pool,
    window: run.window,
    level: run.level,
    unit: run.config.unit,
    weights: canonicalJson(run.config.weights),
    config: canonicalJson(run.config),
    config_version: run.config.version,
    scorecard_version: run.inputs.scorecardVersion,
    previous_run_id: run.inputs.previousRunId,
    fiscal_year: run.inputs.fiscalYear,
    rollover_window: run.inputs.rolloverWindow,
    input_hash: run.input_hash,
    inputs: run.inputs_json,
    software_version: run.software_version,
    total: run.result.total,
    eligible_count: run.result.eligible_count,
    warnings: run.result.warnings,
  };
  const rollover = new Map(run.inputs.counties.map((c) => [c.code, c.rollover?.ratio ?? null]));
  const row = (c: CountyAllocation, regionLevel: "county" | "city"): TableRow => ({
    run_id: run.run_id,
    window: run.window,
    county_code: c.code,
    county_name: c.name,
    grade: c.grade,
    composite: c.composite,
    eligible: c.eligible,
    excluded_reason: c.excluded_reason,
    need: c.need,
    fiscal: c.fiscal,
    performance: c.performance,
    rollover_ratio: rollover.get(c.code) ?? null,
    need_share: c.need_share,
    fiscal_share: c.fiscal_share,
    performance_share: c.performance_share,
    share: c.share,
    target: c.target,
    lower_bound: c.lower,
    upper_bound: c.upper,
    bound: c.bound,
    before_deduction: c.before_deduction,
    deduction: c.deduction,
    amount: c.amount,
    previous_amount: c.previous,
    change: c.change,
    change_ratio: c.change_ratio,
    region_level: regionLevel,
    city_code: c.city_code ?? null,
    factor_amount: c.factor_amount,
    bound_adjustment: c.bound_adjustment,
    redistribution: c.redistribution,
    rollover_balance: c.rollover_balance,
    rollover_spent: c.rollover_spent,
    note: c.note,
  });
  const rows = [...(run.result.cities ?? []).map((c) => row(c, "city")), ...run.result.counties.map((c) => row(c, "county"))];
  await wh.transaction(async (tx) => {
    await ensureTable(tx, "meta_allocation", META_ALLOCATION);
    await addMissingColumns(tx, "mart_allocation", MART_ALLOCATION);
    await ensureTable(tx, "mart_allocation", MART_ALLOCATION);
    await appendRows(tx, "meta_allocation", META_ALLOCATION, [meta]);
    await appendRows(tx, "mart_allocation", MART_ALLOCATION, rows);
  });
}
