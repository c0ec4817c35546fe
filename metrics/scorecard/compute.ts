// DB glue of the scorecard: mart_indicator → scores (core.ts) and funnel limits (funnel.ts)
// → mart_score, mart_score_dimension, mart_score_detail, mart_funnel, and the allocation's
// inputs beside the scores (mart_allocation_input, ../allocation/inputs.ts).
import type { Warehouse } from "../../loaders/db.js";
import { MART_ALLOCATION_INPUT, writeAllocationInputs } from "../allocation/inputs.js";
import { DEFAULT_SCORECARD, type ScorecardConfig } from "./config.js";
import { scoreWindow, type Observation, type RegionLevel, type RegionScore } from "./core.js";
import { funnelFor, type FunnelPoint } from "./funnel.js";
import { appendRows, ensureTable, tableExists, varcharList, type TableColumn, type TableRow } from "./store.js";
import { parseWindow, previousWindow, WINDOW_KINDS } from "../windows.js";

export const SCORE_LEVELS: readonly RegionLevel[] = ["county", "city"];

export const MART_SCORE: readonly TableColumn[] = [
  { name: "region_code", type: "VARCHAR" },
  { name: "region_name", type: "VARCHAR" },
  { name: "level", type: "VARCHAR" },
  { name: "window", type: "VARCHAR" },
  { name: "composite", type: "DOUBLE" },
  { name: "grade", type: "VARCHAR" },
  { name: "rank", type: "INTEGER" },
  { name: "previous_rank", type: "INTEGER" },
  { name: "rank_change", type: "INTEGER" },
  { name: "ranked", type: "INTEGER" },
  { name: "dimension_scores", type: "VARCHAR" },
  { name: "na_indicators", type: "VARCHAR[]" },
  { name: "gaps", type: "VARCHAR[]" },
  { name: "funnel_outside", type: "VARCHAR[]" },
  { name: "config_version", type: "VARCHAR" },
  { name: "computed_at", type: "TIMESTAMP" },
];

export const MART_SCORE_DIMENSION: readonly TableColumn[] = [
  { name: "region_code", type: "VARCHAR" },
  { name: "level", type: "VARCHAR" },
  { name: "window", type: "VARCHAR" },
  { name: "dimension", type: "VARCHAR" },
  { name: "label", type: "VARCHAR" },
  { name: "weight", type: "DOUBLE" },
  { name: "weight_effective", type: "DOUBLE" },
  { name: "score", type: "DOUBLE" },
  { name: "points_contributed", type: "DOUBLE" },
  { name: "config_version", type: "VARCHAR" },
];

export const MART_SCORE_DETAIL: readonly TableColumn[] = [
  { name: "region_code", type: "VARCHAR" },
  { name: "region_name", type: "VARCHAR" },
  { name: "level", type: "VARCHAR" },
  { name: "window", type: "VARCHAR" },
  { name: "dimension", type: "VARCHAR" },
  { name: "indicator", type: "VARCHAR" },
  { name: "value", type: "DOUBLE" },
  { name: "status", type: "VARCHAR" },
  { name: "rule", type: "VARCHAR" },
  { name: "points", type: "DOUBLE" },
  { name: "weight", type: "DOUBLE" },
  { name: "weight_effective", type: "DOUBLE" },
  { name: "points_contributed", type: "DOUBLE" },
  { name: "points_lost", type: "DOUBLE" },
  { name: "funnel_rate", type: "DOUBLE" },
  { name: "funnel_low_95", type: "DOUBLE" },
  { name: "funnel_high_95", type: "DOUBLE" },
  { name: "funnel_low_998", type: "DOUBLE" },
  { name: "funnel_high_998", type: "DOUBLE" },
  { name: "funnel_flag", type: "VARCHAR" },
  { name: "config_version", type: "VARCHAR" },
];

export const MART_FUNNEL: readonly TableColumn[] = [
  { name: "indicator", type: "VARCHAR" },
  { name: "level", type: "VARCHAR" },
  { name: "window", type: "VARCHAR" },
  { name: "region_code", type: "VARCHAR" },
  { name: "region_name", type: "VARCHAR" },
  { name: "value", type: "DOUBLE" },
  { name: "numerator", type: "DOUBLE" },
  { name: "denominator", type: "DOUBLE" },
  { name: "rate", type: "DOUBLE" },
  { name: "low_95", type: "DOUBLE" },
  { name: "high_95", type: "DOUBLE" },
  { name: "low_998", type: "DOUBLE" },
  { name: "high_998", type: "DOUBLE" },
  { name: "flag", type: "VARCHAR" },
  { name: "outside_95", type: "BOOLEAN" },
  { name: "outside_998", type: "BOOLEAN" },
];

const TABLES: [string, readonly TableColumn[]][] = [
  ["mart_score", MART_SCORE],
  ["mart_score_dimension", MART_SCORE_DIMENSION],
  ["mart_score_detail", MART_SCORE_DETAIL],
  ["mart_funnel", MART_FUNNEL],
  ["mart_allocation_input", MART_ALLOCATION_INPUT],
];

export interface ComputeScoresOptions {
  /** Windows to (re)score; default every window in mart_indicator. Other windows' rows stay. */
  windows?: string[];
  config?: ScorecardConfig;
  /** Clock for computed_at (tests). */
  now?: Date;
}

export interface WindowScores {
  window: string;
  level: RegionLevel;
  scores: RegionScore[];
  funnel: FunnelPoint[];
}

export interface ComputeScoresResult {
  windows: string[];
  regions: number;
  details: number;
  funnelPoints: number;
  configVersion: string;
}

/** Read the mart_indicator rows of some windows (all when `windows` is undefined). */
export async function readObservations(wh: Warehouse, windows?: string[]): Promise<Map<string, Observation[]>> {
  if (!(await tableExists(wh, "mart_indicator")))
    throw new Error("mart_indicator does not exist: compute the indicators first (`jiuzhu indicators`)");
  const filter = windows ? `AND list_contains(?::VARCHAR[], "window")` : "";
  const rows = await wh.query<{
    region_code: string;
    region_name: string | null;
    level: RegionLevel;
    window: string;
    indicator: string;
    value: number | null;
    numerator: number | null;
    denominator: number | null;
    status: string;
  }>(
    `SELECT region_code, region_name, level, "window", indicator,
            CAST(value AS DOUBLE) AS value, CAST(numerator AS DOUBLE) AS numerator,
            CAST(denominator AS DOUBLE) AS denominator, status
       FROM mart_indicator
      WHERE level IN ('county', 'city', 'province') ${filter}`,
    windows ? [varcharList(windows)] : undefined,
  );
  const out = new Map<string, Observation[]>();
  for (const r of rows) {
    // A provisional figure (working days on weekends alone for a year without its official schedule) is scored as a value.
    const status = r.status === "provisional" ? "ok" : r.status === "ok" || r.status === "na" || r.status === "gap" ? r.status : "gap";
    let list = out.get(r.window);
    if (!list) out.set(r.window, (list = []));
    list.push({
      region_code: r.region_code,
      region_name: r.region_name ?? r.region_code,
      level: r.level,
      indicator: r.indicator,
      value: r.value,
      numerator: r.numerator,
      denominator: r.denominator,
      status,
    });
  }
  return out;
}

/** Funnel points of every funnel indicator for one level, around each province's own rate. */
export function funnelForLevel(observations: readonly Observation[], cfg: ScorecardConfig, level: RegionLevel): FunnelPoint[] {
  const out: FunnelPoint[] = [];
  const funnelIds = new Set<string>(cfg.dimensions.flatMap((d) => d.indicators.filter((i) => i.funnel).map((i) => i.id)));
  // indicator → province → the level's rows, and the province's own row
  const rowsBy = new Map<string, Map<string, Observation[]>>();
  const refBy = new Map<string, Observation>();
  for (const o of observations) {
    if (!funnelIds.has(o.indicator)) continue;
    const prov = o.region_code.slice(0, 2);
    if (o.level === "province") {
      if (o.status === "ok") refBy.set(`${o.indicator}|${prov}`, o);
    } else if (o.level === level) {
      let byProv = rowsBy.get(o.indicator);
      if (!byProv) rowsBy.set(o.indicator, (byProv = new Map()));
      let list = byProv.get(prov);
      if (!list) byProv.set(prov, (list = []));
      list.push(o);
    }
  }
  for (const id of funnelIds) {
    const byProv = rowsBy.get(id);
    if (!byProv) continue;
    for (const prov of [...byProv.keys()].sort()) {
      const ref = refBy.get(`${id}|${prov}`);
      const refRate =
        ref && ref.numerator !== null && ref.denominator !== null && ref.denominator > 0 ? ref.numerator / ref.denominator : null;
      out.push(...funnelFor(id, byProv.get(prov)!, refRate));
    }
  }
  return out;
}

/** Score every window and level in memory (windows in time order so ranks carry over). */
export function scoreAll(observations: Map<string, Observation[]>, cfg: ScorecardConfig): WindowScores[] {
  const windows = [...observations.keys()].sort(compareWindows);
  const ranks = new Map<string, Map<string, number>>(); // `${level}|${window}` → code → rank
  const out: WindowScores[] = [];
  for (const window of windows) {
    const obs = observations.get(window)!;
    for (const level of SCORE_LEVELS) {
      if (!obs.some((o) => o.level === level)) continue;
      const previousRanks = ranks.get(`${level}|${previousWindow(window)}`);
      const scores = scoreWindow(obs, cfg, window, level, previousRanks ? { previousRanks } : {});
      ranks.set(`${level}|${window}`, new Map(scores.filter((s) => s.rank !== null).map((s) => [s.region_code, s.rank!])));
      out.push({ window, level, scores, funnel: funnelForLevel(obs, cfg, level) });
    }
  }
  return out;
}

/** Windows in time order; within a year months, quarters, halves, the year. */
export function compareWindows(a: string, b: string): number {
  const pa = parseWindow(a);
  const pb = parseWindow(b);
  return pa.year - pb.year || WINDOW_KINDS.indexOf(pa.kind) - WINDOW_KINDS.indexOf(pb.kind) || pa.firstMonth.localeCompare(pb.firstMonth);
}

/**
 * Score the windows of mart_indicator and write the score marts. With `windows`, those
 * windows (and only those) are replaced; their previous windows are read for rank changes.
 */
export async function computeScores(wh: Warehouse, options: ComputeScoresOptions = {}): Promise<ComputeScoresResult> {
  const cfg = options.config ?? DEFAULT_SCORECARD;
  for (const w of options.windows ?? []) parseWindow(w);
  const wanted = options.windows ? [...new Set(options.windows)] : undefined;
  const readWindows = wanted ? [...new Set([...wanted, ...wanted.map(previousWindow)])] : undefined;
  const observations = await readObservations(wh, readWindows);
  if (wanted) {
    const missing = wanted.filter((w) => !observations.has(w));
    if (missing.length) throw new Error(`mart_indicator has no rows for window ${missing.join(", ")}`);
  }
  const all = scoreAll(observations, cfg);
  const keep = all.filter((ws) => !wanted || wanted.includes(ws.window));
  const now = options.now ?? new Date();
  const version = cfg.version;
  const ruleOf = new Map(cfg.dimensions.flatMap((d) => d.indicators.map((i) => [i.id, JSON.stringify(i.rule)] as const)));

  const scoreRows: TableRow[] = [];
  const dimRows: TableRow[] = [];
  const detailRows: TableRow[] = [];
  const funnelRows: TableRow[] = [];
  for (const ws of keep) {
    const names = new Map(ws.scores.map((s) => [s.region_code, s.region_name]));
    const funnelByKey = new Map(ws.funnel.map((p) => [`${p.region_code}|${p.indicator}`, p]));
    const ranked = ws.scores.filter((s) => s.rank !== null).length;
    for (const s of ws.scores) {
      const outside = ws.funnel.filter((p) => p.region_code === s.region_code && p.outside_95).map((p) => `${p.indicator}:${p.flag}`);
      scoreRows.push({
        region_code: s.region_code,
        region_name: s.region_name,
        level: s.level,
        window: s.window,
        composite: s.composite,
        grade: s.grade,
        rank: s.rank,
        previous_rank: s.previous_rank,
        rank_change: s.rank_change,
        ranked,
        dimension_scores: JSON.stringify(Object.fromEntries(s.dimensions.map((d) => [d.id, d.score]))),
        na_indicators: s.na_indicators,
        gaps: s.gaps,
        funnel_outside: outside,
        config_version: version,
        computed_at: now,
      });
      for (const d of s.dimensions)
        dimRows.push({ region_code: s.region_code, level: s.level, window: s.window, dimension: d.id, label: d.label, weight: d.weight, weight_effective: d.weight_effective, score: d.score, points_contributed: d.points_contributed, config_version: version });
      for (const i of s.indicators) {
        const f = funnelByKey.get(`${s.region_code}|${i.indicator}`);
        detailRows.push({
          region_code: s.region_code,
          region_name: s.region_name,
          level: s.level,
          window: s.window,
          dimension: i.dimension,
          indicator: i.indicator,
          value: i.value,
          status: i.status,
          rule: ruleOf.get(i.indicator as never) ?? null,
          points: i.points,
          weight: i.weight,
          weight_effective: i.weight_effective,
          points_contributed: i.points_contributed,
          points_lost: i.points_lost,
          funnel_rate: f?.rate ?? null,
          funnel_low_95: f?.low_95 ?? null,
          funnel_high_95: f?.high_95 ?? null,
          funnel_low_998: f?.low_998 ?? null,
          funnel_high_998: f?.high_998 ?? null,
          funnel_flag: f?.flag ?? null,
          config_version: version,
        });
      }
    }
    for (const p of ws.funnel)
      funnelRows.push({ ...p, level: ws.level, window: ws.window, region_name: names.get(p.region_code) ?? p.region_code });
  }

  const windows = [...new Set(keep.map((k) => k.window))];
  await wh.transaction(async (tx) => {
    for (const [table, cols] of TABLES) {
      await ensureTable(tx, table, cols, { replaceIfDifferent: true });
      if (wanted) await tx.run(`DELETE FROM ${table} WHERE list_contains(?::VARCHAR[], "window")`, [varcharList(wanted)]);
      else await tx.run(`DELETE FROM ${table}`);
    }
    await appendRows(tx, "mart_score", MART_SCORE, scoreRows);
    await appendRows(tx, "mart_score_dimension", MART_SCORE_DIMENSION, dimRows);
    await appendRows(tx, "mart_score_detail", MART_SCORE_DETAIL, detailRows);
    await appendRows(tx, "mart_funnel", MART_FUNNEL, funnelRows);
    await writeAllocationInputs(tx, windows, version, now);
  });
  return {
    windows,
    regions: scoreRows.length,
    details: detailRows.length,
    funnelPoints: funnelRows.length,
    configVersion: version,
  };
}
