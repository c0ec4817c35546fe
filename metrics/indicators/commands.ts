// The implementation of `jiuzhu indicators` and `jiuzhu cases`, and what `score` and `allocate`
// share with them: bringing the marts they read up to date (computing missing or stale windows),
// refusing an unknown window, region or indicator with the nearest valid ones (exit 2), and the
// status and reason of every figure. Loaded only when a command runs (metrics/indicators/cli.ts).
import { CommanderError } from "commander";
import type { Warehouse } from "../../loaders/db.js";
import { CATALOGUE, INDICATOR_IDS } from "../catalogue/index.js";
import { toCsv } from "../export/csv.js";
import type { Column, ExportRow } from "../export/columns.js";
import { toTextTable } from "../export/table.js";
import { parseWindow, previousWindow, WINDOW_KINDS } from "../windows.js";
import { CASE_INDICATORS } from "./cases.js";
import { computeIndicators } from "./compute.js";

export const INDICATOR_COLUMNS = ["region_code", "region_name", "level", "window", "indicator", "value", "numerator", "denominator", "n", "status", "reason", "months"] as const;
export const CASE_COLUMNS = ["indicator", "window", "county_code", "case_key", "detail", "status", "reason"] as const;

export type Format = "table" | "csv" | "json";

/** A mistake on the command line: one line saying what is wrong and what to do, exit code 2. */
export function usageError(message: string): never {
  process.stderr.write(`jiuzhu: ${message}\n`);
  throw new CommanderError(2, "jiuzhu.usage", message);
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The `k` candidates nearest to `text` (edit distance; a shared prefix counts first). */
export function nearest(text: string, candidates: readonly string[], k = 3): string[] {
  const t = text.toLowerCase();
  const prefix = (c: string) => {
    let i = 0;
    while (i < c.length && i < t.length && c[i]!.toLowerCase() === t[i]) i++;
    return i;
  };
  return [...new Set(candidates)]
    .map((c) => ({ c, d: levenshtein(t, c.toLowerCase()), p: prefix(c) }))
    .sort((a, b) => a.d - b.d || b.p - a.p || a.c.localeCompare(b.c))
    .slice(0, k)
    .map((x) => x.c);
}

/** The region codes nearest to `code`: the same length first, then the longest shared prefix, then the closest number. */
export function nearestCodes(code: string, candidates: readonly string[], k = 3): string[] {
  const shared = (c: string) => {
    let i = 0;
    while (i < c.length && i < code.length && c[i] === code[i]) i++;
    return i;
  };
  const num = (c: string) => (/^\d+$/.test(c) ? Number(c) : Number.POSITIVE_INFINITY);
  return [...new Set(candidates)]
    .sort(
      (a, b) =>
        Math.abs(a.length - code.length) - Math.abs(b.length - code.length) ||
        shared(b) - shared(a) ||
        Math.abs(num(a) - num(code)) - Math.abs(num(b) - num(code)) ||
        a.localeCompare(b),
    )
    .slice(0, k);
}

/** A window id as typed, parsed; a malformed one is a usage error. */
export function windowArg(text: string): string {
  try {
    return parseWindow(text).id;
  } catch {
    usageError(`not a reporting window: ${JSON.stringify(text)}; give a month, quarter, half-year or year such as 2026-06, 2026-Q2, 2026-H1 or 2026`);
  }
}

/** The windows nearest to `id` among those with data: the same kind first, then the closest in time. */
export function nearestWindows(id: string, available: readonly string[], k = 3): string[] {
  const w = parseWindow(id);
  const rank = (x: string) => {
    const v = parseWindow(x);
    const kind = Math.abs(WINDOW_KINDS.indexOf(v.kind) - WINDOW_KINDS.indexOf(w.kind));
    const [y1, m1] = v.firstMonth.split("-").map(Number) as [number, number];
    const [y2, m2] = w.firstMonth.split("-").map(Number) as [number, number];
    return kind * 10_000 + Math.abs(y1 * 12 + m1 - (y2 * 12 + m2));
  };
  return [...available].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, k);
}

/** An indicator id; an unknown one is a usage error naming the nearest (within `among`, default the catalogue). */
export function indicatorArg(id: string, among: readonly string[] = INDICATOR_IDS, what = "indicator"): string {
  if (among.includes(id)) return id;
  if (what !== "indicator" && (INDICATOR_IDS as readonly string[]).includes(id)) {
    usageError(`${id} has no case list; case lists: ${among.join(", ")}`);
  }
  usageError(`unknown ${what} ${JSON.stringify(id)}; use one of the nearest: ${nearest(id, among).join(", ")}`);
}

/**
 * Bring mart_indicator (and mart_case, mart_quality) up to date for `windows`: the windows
 * missing or stale (their data_version changed) are computed, the others left. A window no data
 * covers is a usage error naming the nearest windows with data.
 */
export async function freshIndicators(wh: Warehouse, windows: readonly string[], options: { quiet?: boolean } = {}): Promise<{ available: string[]; computed: string[]; provisionalYears: number[] }> {
  const wanted = [...new Set(windows)];
  let available: string[];
  let computed: string[] = [];
  let provisionalYears: number[] = [];
  if (await tableExists(wh, "dim_region")) {
    const r = await computeIndicators(wh, { windows: wanted });
    if (r.windows.length && !options.quiet) process.stderr.write(`jiuzhu: computed indicators for ${r.windows.join(", ")}\n`);
    available = r.available ?? [];
    computed = r.windows;
    provisionalYears = r.provisionalYears ?? [];
  } else {
    // A warehouse holding marts only (no rows to compute from): the windows it has.
    available = (await tableExists(wh, "mart_indicator"))
      ? (await wh.query<{ w: string }>(`SELECT DISTINCT "window" AS w FROM mart_indicator ORDER BY 1`)).map((r) => r.w)
      : [];
  }
  const unknown = wanted[0] !== undefined && !available.includes(wanted[0]) ? wanted[0] : undefined;
  if (unknown) {
    if (available.length === 0) usageError(`no data covers window ${unknown}: the warehouse has no deliveries yet; load extracts with \`jiuzhu ingest\` first`);
    usageError(`no data covers window ${unknown}; nearest windows with data: ${nearestWindows(unknown, available).join(", ")}`);
  }
  return { available, computed, provisionalYears };
}

export async function tableExists(wh: Warehouse, name: string): Promise<boolean> {
  const r = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ? AND table_catalog <> 'temp'", [name]);
  return Number(r[0]?.n ?? 0) > 0;
}

async function hasColumn(wh: Warehouse, table: string, column: string): Promise<boolean> {
  const r = await wh.query<{ n: bigint }>(
    "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = ? AND column_name = ? AND table_catalog <> 'temp'",
    [table, column],
  );
  return Number(r[0]?.n ?? 0) > 0;
}

/** A region code in the mart's window; an unknown one is a usage error naming the nearest codes (with names). */
export async function regionArg(wh: Warehouse, code: string, window: string): Promise<string> {
  const rows = await wh.query<{ code: string; name: string | null }>(
    `SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE "window" = ?`,
    [window],
  );
  if (rows.some((r) => r.code === code)) return code;
  const names = new Map(rows.map((r) => [r.code, r.name ?? ""]));
  const byName = rows.find((r) => r.name === code);
  if (byName) return byName.code;
  const near = nearestCodes(code, rows.map((r) => r.code)).map((c) => `${c} ${names.get(c)}`.trim());
  usageError(`unknown region ${JSON.stringify(code)} in ${window}; nearest: ${near.join(", ")} (a 2-digit province, 4-digit city or 6-digit county code)`);
}

function render(rows: ExportRow[], keys: readonly string[], format: Format): string {
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  // Numbers as they are (no rounding): text kind prints them in full.
  const columns: Column[] = keys.map((k) => ({ key: k, header: k, kind: "text" }));
  return format === "csv" ? toCsv(rows, columns) : toTextTable(rows, columns);
}

export async function queryIndicators(
  wh: Warehouse,
  opts: { window: string; level?: string; indicator?: string; region?: string },
): Promise<ExportRow[]> {
  const where: string[] = [`"window" = ?`];
  const params: string[] = [opts.window];
  if (opts.level) {
    where.push("level = ?");
    params.push(opts.level);
  }
  if (opts.indicator) {
    where.push("indicator = ?");
    params.push(opts.indicator);
  }
  if (opts.region) {
    where.push("region_code LIKE ? || '%'");
    params.push(opts.region);
  }
  const order = CATALOGUE.map((d, i) => `WHEN '${d.id}' THEN ${i}`).join(" ");
  return wh.queryJson(
    `SELECT region_code, region_name, level, "window", indicator, value,
       CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator, n, status, reason, months
     FROM mart_indicator WHERE ${where.join(" AND ")}
     ORDER BY CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, region_code, CASE indicator ${order} END`,
    params,
  );
}

/** One line on standard error for each year whose working days were counted on weekends alone. */
async function provisionalNotice(wh: Warehouse, window: string): Promise<void> {
  const r = await wh.query<{ reason: string }>(`SELECT DISTINCT reason FROM mart_indicator WHERE "window" = ? AND status = 'provisional'`, [window]);
  for (const x of r) process.stderr.write(`jiuzhu: provisional figures in ${window}: ${x.reason}\n`);
}

export async function runIndicators(
  wh: Warehouse,
  o: { window: string; level?: string; indicator?: string; region?: string; format: Format },
): Promise<void> {
  const window = windowArg(o.window);
  const indicator = o.indicator ? indicatorArg(o.indicator) : undefined;
  await freshIndicators(wh, [window]);
  const region = o.region ? await regionArg(wh, o.region, window) : undefined;
  const rows = await queryIndicators(wh, { window, level: o.level, indicator, region });
  const out = rows.map((r) => Object.fromEntries(INDICATOR_COLUMNS.map((k) => [k, r[k] ?? null])));
  process.stdout.write(render(out, INDICATOR_COLUMNS, o.format));
  await provisionalNotice(wh, window);
}

export async function runCases(wh: Warehouse, o: { indicator: string; window: string; region?: string; format: Format }): Promise<void> {
  const window = windowArg(o.window);
  const indicator = indicatorArg(o.indicator, CASE_INDICATORS, "case list");
  await freshIndicators(wh, [window]);
  const region = o.region ? await regionArg(wh, o.region, window) : "";
  // Each case carries its county's figure status; counties whose figure is not there are named.
  const rows = await wh.queryJson(
    `SELECT c.indicator, c."window", c.county_code, c.case_key, c.detail, m.status, m.reason
     FROM mart_case c LEFT JOIN mart_indicator m ON m.region_code = c.county_code AND m."window" = c."window" AND m.indicator = c.indicator
     WHERE c.indicator = ? AND c."window" = ? AND c.county_code LIKE ? || '%' ORDER BY c.county_code, c.case_key`,
    [indicator, window, region],
  );
  const out = o.format === "json" ? rows.map((r) => ({ ...r, detail: JSON.parse(String(r.detail)) })) : rows;
  process.stdout.write(render(out, CASE_COLUMNS, o.format));
  const missing = await wh.query<{ code: string; status: string; reason: string | null }>(
    `SELECT region_code AS code, status, reason FROM mart_indicator
     WHERE level = 'county' AND indicator = ? AND "window" = ? AND region_code LIKE ? || '%' AND status = 'gap' ORDER BY 1`,
    [indicator, window, region],
  );
  if (missing.length) {
    const list = missing.slice(0, 5).map((m) => `${m.code} (${m.reason ?? m.status})`).join("; ");
    process.stderr.write(`jiuzhu: no case list where the figure is a gap: ${list}${missing.length > 5 ? `; and ${missing.length - 5} more` : ""}\n`);
  }
  await provisionalNotice(wh, window);
}

/** The windows a score of `window` reads: itself and the previous window of its kind (rank change). */
export function scoreWindows(window: string): string[] {
  return [window, previousWindow(window)];
}

/**
 * Status and reason of each region's composite: `gap` or `na` without a composite (the gaps
 * named), `provisional` when an indicator it scored is provisional, else `ok` (gaps it left
 * out still named).
 */
export async function scoreStatuses(
  wh: Warehouse,
  window: string,
  rows: readonly { region_code: string; composite: number | null; gaps: readonly string[] }[],
  scored: readonly string[],
): Promise<Map<string, { status: string; reason: string | null }>> {
  const reason = (await hasColumn(wh, "mart_indicator", "reason")) ? "reason" : "'provisional'";
  const prov = await wh.query<{ region_code: string; reason: string }>(
    `SELECT region_code, any_value(${reason}) AS reason FROM mart_indicator
     WHERE "window" = ? AND status = 'provisional' AND list_contains(?::VARCHAR[], indicator) GROUP BY 1`,
    [window, `[${scored.map((s) => `"${s}"`).join(",")}]`],
  );
  const provBy = new Map(prov.map((p) => [p.region_code, p.reason]));
  const out = new Map<string, { status: string; reason: string | null }>();
  for (const r of rows) {
    const gaps = r.gaps.length ? `data gaps: ${r.gaps.join(", ")}` : null;
    if (r.composite === null) out.set(r.region_code, { status: r.gaps.length ? "gap" : "na", reason: gaps ?? "no indicator applicable" });
    else if (provBy.has(r.region_code)) out.set(r.region_code, { status: "provisional", reason: [provBy.get(r.region_code)!, gaps].filter(Boolean).join("; ") });
    else out.set(r.region_code, { status: "ok", reason: gaps ? `left out ${gaps}` : null });
  }
  return out;
}

/**
 * `jiuzhu allocate`: the indicators its window reads (the window, the previous one, the
 * rollover years) computed when missing or stale, and the window scored again when its scores
 * are missing or older than the indicators.
 */
export async function freshForAllocation(
  wh: Warehouse,
  window: string,
  rescore: () => Promise<unknown>,
  scorecardVersion: string,
): Promise<void> {
  const w = parseWindow(window);
  const years = w.kind === "year" ? [String(w.year), String(w.year - 1)] : [String(w.year - 1)];
  const { available } = await freshIndicators(wh, [window, previousWindow(window)]);
  const rollover = years.filter((y) => available.includes(y) && y !== window);
  if (rollover.length && (await tableExists(wh, "dim_region"))) await computeIndicators(wh, { windows: rollover });
  const t = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'mart_allocation_input' AND table_catalog <> 'temp'");
  let stale = Number(t[0]?.n ?? 0) === 0;
  if (!stale) {
    const r = await wh.query<{ scored: string | null; computed: string | null }>(
      `SELECT (SELECT CAST(max(computed_at) AS VARCHAR) FROM mart_allocation_input WHERE "window" = ? AND config_version = ?) AS scored,
              (SELECT CAST(max(computed_at) AS VARCHAR) FROM ${(await tableExists(wh, "meta_indicator_window")) ? "meta_indicator_window" : "(SELECT NULL::VARCHAR AS \"window\", NULL::TIMESTAMP AS computed_at)"} WHERE list_contains(?::VARCHAR[], "window")) AS computed`,
      [window, scorecardVersion, `[${[window, previousWindow(window), ...rollover].map((x) => `"${x}"`).join(",")}]`],
    );
    const scored = r[0]?.scored ? Date.parse(r[0].scored.replace(" ", "T") + "Z") : NaN;
    const computed = r[0]?.computed ? Date.parse(r[0].computed.replace(" ", "T") + "Z") : NaN;
    stale = Number.isNaN(scored) || (!Number.isNaN(computed) && computed > scored);
  }
  if (stale) {
    process.stderr.write(`jiuzhu: scoring ${window} (scores missing or older than the indicators)\n`);
    await rescore();
  }
}
