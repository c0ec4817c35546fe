// The demo province: realistic extracts on the real division codes, with planted
// problems and their ground truth (`ground_truth.json`). Deterministic: the same
// options give byte-identical files. Streams county by county, month by month.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { ExtractType } from "../../loaders/contracts/dictionary.js";
import { DEFAULT_OPTIONS } from "./defaults.js";
import { dayOf, hasCalendar, monthIndex, monthKey, monthStart, type MonthIndex } from "./calendar.js";
import { CountySimulation, type CountyContext, type CountyResult } from "./county.js";
import { fileName, layoutOf } from "./extracts.js";
import type { CountyEntry, ExpectedValue, Ledger } from "./ledger.js";
import { ratio } from "./ledger.js";
import type { DuplicatePlan } from "./model.js";
import { idCheckDigit, personName } from "./people.js";
import { buildProvince, profileOf, type CountyModel, type ProvinceModel } from "./province.js";
import { Rng } from "./random.js";
import { openWriter, type DeliveryStyle } from "./writers.js";

export interface DemoOptions {
  out: string;
  /** 2-digit province code (default 15, Inner Mongolia). */
  province?: string;
  from?: string;
  to?: string;
  /** Share of the real caseload and population (1 = a full province). */
  scale?: number;
  seed?: number;
  /** Only these counties (6-digit codes), or the first N counties; for tests. */
  counties?: readonly string[] | number;
  /** Counties simulated at once on each thread (default 3). */
  concurrency?: number;
  /**
   * Worker threads simulating counties (default: one per core when there are 8 counties
   * or more, else none). The output is the same on any number of threads.
   */
  workers?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Called after each county is written: counties done of all, files and rows so far (for a progress meter). */
  onCounty?: (done: number, total: number, files: number, rows: number) => void;
}

export interface DemoSummary {
  out: string;
  province: string;
  provinceName: string;
  from: string;
  to: string;
  scale: number;
  seed: number;
  counties: number;
  files: number;
  rows: Partial<Record<ExtractType, number>>;
  bytes: number;
  ledger: string;
  seconds: number;
}

export { DEFAULT_OPTIONS };

const GENERATED = /^(county_profile|standards|applications|roster|payments|funds|complaints|surveys|inspections)([_.].*)?\.(csv|xlsx|parquet)$/;

/** Province-level reference files: standards (GB18030 CSV) and county profiles (XLSX). */
const PROVINCE_CSV: DeliveryStyle = { format: "csv-gb18030", dates: "iso", bools: "shifou", months: "chinese", thousands: false, aliases: false };
const PROVINCE_XLSX: DeliveryStyle = { format: "xlsx", dates: "iso", bools: "shifou", months: "iso", thousands: false, aliases: true };

export async function generateDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = performance.now();
  const province = options.province ?? DEFAULT_OPTIONS.province;
  const fromKey = options.from ?? DEFAULT_OPTIONS.from;
  const toKey = options.to ?? DEFAULT_OPTIONS.to;
  const scale = options.scale ?? DEFAULT_OPTIONS.scale;
  const seed = options.seed ?? DEFAULT_OPTIONS.seed;
  const log = options.log ?? (() => {});
  if (!/^\d{2}$/.test(province)) throw new Error(`--province must be a 2-digit code such as 15, not ${province}`);
  const from = monthIndex(fromKey);
  const to = monthIndex(toKey);
  if (from > to) throw new Error(`--from ${fromKey} is after --to ${toKey}`);
  if (!(scale > 0 && scale <= 2)) throw new Error(`--scale must be in (0, 2], not ${scale}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, not ${seed}`);
  for (let y = Math.floor(from / 12) - 1; y <= Math.floor(to / 12); y++) {
    if (!hasCalendar(y)) throw new Error(`no working-day calendar for ${y}: choose months within 2005–2026`);
  }

  await mkdir(options.out, { recursive: true });
  for (const name of await readdir(options.out)) {
    if (GENERATED.test(name) || name === "ground_truth.json") await rm(join(options.out, name), { force: true });
  }

  const setupOptions: SetupOptions = { out: options.out, province, seed, scale, from, to, counties: options.counties };
  const { model, counties, selected, duplicates, context } = await demoSetup(setupOptions);
  log(`demo: ${model.name}, ${counties.length} counties, ${fromKey}…${toKey}, scale ${scale}, seed ${seed}`);

  const ledger: Ledger = {
    format_version: 1,
    params: { province, province_name: model.name, from: fromKey, to: toKey, scale, seed },
    counties: [],
    files: [],
    planted: [],
    bad_rows: [],
    deliveries: { late: [], missing: [] },
    expected: [],
  };
  const rows: Partial<Record<ExtractType, number>> = {};
  const count = (type: ExtractType, n: number) => (rows[type] = (rows[type] ?? 0) + n);

  await writeStandards(options.out, selected, from);
  ledger.files.push({ file: fileName("standards", PROVINCE_CSV), type: "standards", county_code: null, period: null, rows: selected.standards.length, format: PROVINCE_CSV.format });
  count("standards", selected.standards.length);
  for (let year = Math.floor(from / 12); year <= Math.floor(to / 12); year++) {
    await writeProfiles(options.out, selected, year);
    ledger.files.push({ file: fileName("county_profile", PROVINCE_XLSX, undefined, undefined, year), type: "county_profile", county_code: null, period: String(year), rows: counties.length, format: PROVINCE_XLSX.format });
    count("county_profile", counties.length);
  }

  // Counties are independent (each has its own random streams): they run on worker
  // threads (and a few at once on each, to overlap file I/O and compression); results
  // are merged in county order.
  const results: { county: CountyModel; result: CountyResult }[] = [];
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 3, counties.length));
  const workers = options.workers ?? (counties.length >= 8 ? availableParallelism() : 0);
  const simulate = workers > 1 ? await workerPool(setupOptions, Math.min(workers, counties.length)) : null;
  const pending = new Map<number, Promise<CountyResult>>();
  let next = 0;
  const inFlight = simulate ? concurrency * simulate.size : concurrency;
  const launch = () => {
    const county = counties[next]!;
    pending.set(next, simulate ? simulate.run(next) : new CountySimulation(county, context).run());
    // a failure is reported when its turn comes, not as an unhandled rejection before
    pending.get(next)!.catch(() => undefined);
    next++;
  };
  try {
    while (next < Math.min(inFlight, counties.length)) launch();
    for (let i = 0; i < counties.length; i++) {
      const county = counties[i]!;
      const result = await pending.get(i)!;
      pending.delete(i);
      if (next < counties.length) launch();
      for (const f of result.files) ledger.files.push({ ...f, county_code: county.code, format: county.style.format });
      ledger.planted.push(...result.planted);
      ledger.bad_rows.push(...result.badRows);
      ledger.deliveries.late.push(...result.late);
      ledger.deliveries.missing.push(...result.missing);
      ledger.expected.push(...result.expected);
      for (const [type, n] of Object.entries(result.rows)) count(type as ExtractType, n);
      ledger.counties.push(countyEntry(county, duplicates));
      // keep only what the province-level figures need
      results.push({ county, result: { ...result, files: [], planted: [], badRows: [], late: [], missing: [], expected: [] } });
      if (options.onCounty) {
        options.onCounty(i + 1, counties.length, ledger.files.length, Object.values(rows).reduce((a: number, b) => a + (b ?? 0), 0));
      } else if ((i + 1) % 10 === 0 || i + 1 === counties.length) log(`demo: ${i + 1}/${counties.length} counties`);
    }
  } finally {
    await simulate?.close();
  }
  for (const plan of duplicates) {
    ledger.planted.push({
      problem: plan.homeCounty === plan.otherCounty ? "duplicate_person_within_county" : "duplicate_person_across_counties",
      county_code: plan.otherCounty,
      period: `${monthKey(plan.from)}..${monthKey(plan.to)}`,
      count: 1,
      ids: [plan.person.id],
      detail: { home_county: plan.homeCounty, other_county: plan.otherCounty, from: monthKey(plan.from), to: monthKey(plan.to) },
    });
  }
  ledger.expected.push(...provinceExpectations(province, ledger.expected, results, duplicates, from, to));

  const ledgerPath = join(options.out, "ground_truth.json");
  await writeFile(ledgerPath, serialiseLedger(ledger));
  // dated after the last delivery, so that even the folder's times are reproducible
  const settled = new Date((monthStart(to + 2) - 1) * 86_400_000);
  await utimes(ledgerPath, settled, settled);
  let bytes = 0;
  for (const f of ledger.files) bytes += (await stat(join(options.out, f.file))).size;
  return {
    out: options.out,
    province,
    provinceName: model.name,
    from: fromKey,
    to: toKey,
    scale,
    seed,
    counties: counties.length,
    files: ledger.files.length,
    rows,
    bytes,
    ledger: ledgerPath,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

export interface SetupOptions {
  out: string;
  province: string;
  seed: number;
  scale: number;
  from: MonthIndex;
  to: MonthIndex;
  counties?: readonly string[] | number;
}

/** The province model, the selected counties and what every county's simulation shares: the same on every thread. */
export async function demoSetup(o: SetupOptions): Promise<{
  model: ProvinceModel;
  counties: CountyModel[];
  selected: ProvinceModel;
  duplicates: DuplicatePlan[];
  context: CountyContext;
}> {
  const model = await buildProvince(o.province, o.seed, o.scale, o.from, o.to);
  let counties = model.counties;
  if (typeof o.counties === "number") counties = counties.slice(0, o.counties);
  else if (o.counties) {
    const wanted = new Set(o.counties);
    counties = counties.filter((c) => wanted.has(c.code));
  }
  if (counties.length === 0) throw new Error(`no county of province ${o.province} selected`);
  const selected = { ...model, counties, standards: model.standards.filter((s) => counties.some((c) => c.code === s.county_code)) };
  const duplicates = planDuplicates(counties, o.seed, o.from, o.to);
  const context: CountyContext = { out: o.out, seed: o.seed, scale: o.scale, from: o.from, to: o.to, standards: selected.standards, duplicates };
  return { model, counties, selected, duplicates, context };
}

/**
 * The URL of tsx's ESM API (`tsx/esm/api`, its "import" export), read from its
 * package.json: vitest's module runner has no `import.meta.resolve`.
 */
function tsxEsmApi(): string {
  const pkg = createRequire(import.meta.url).resolve("tsx/package.json");
  const exp = (JSON.parse(readFileSync(pkg, "utf8")) as { exports: Record<string, { import: { default: string } }> }).exports["./esm/api"]!;
  return pathToFileURL(join(dirname(pkg), exp.import.default)).href;
}

/**
 * Worker threads that simulate counties by index (data/generator/worker.ts). The
 * compiled CLI runs worker.js; from the sources (tsx, tests) worker.ts through tsx.
 */
async function workerPool(setup: SetupOptions, size: number): Promise<{ size: number; run(index: number): Promise<CountyResult>; close(): Promise<void> }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, "worker.js");
  const entry = existsSync(js) ? js : join(here, "worker.ts");
  const waiting = new Map<number, { ok: (r: CountyResult) => void; fail: (e: Error) => void }>();
  const load: number[] = [];
  const threads: Worker[] = [];
  let broken: Error | null = null;
  const fail = (error: Error) => {
    broken ??= error;
    for (const w of waiting.values()) w.fail(error);
    waiting.clear();
  };
  await Promise.all(
    Array.from({ length: size }, (_, t) => {
      const worker = entry.endsWith(".ts")
        ? // TypeScript through tsx's loader, registered inside the worker (hooks do not cross threads on Node 20)
          new Worker(
            `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); })`,
            { eval: true, workerData: setup },
          )
        : new Worker(entry, { workerData: setup });
      threads.push(worker);
      load.push(0);
      return new Promise<void>((ready, failStart) => {
        worker.on("message", (m: { ready?: true; index?: number; result?: CountyResult; error?: string }) => {
          if (m.ready) return ready();
          const w = waiting.get(m.index!);
          waiting.delete(m.index!);
          load[t]!--;
          if (m.error !== undefined) w?.fail(new Error(`demo generator, county ${m.index}: ${m.error}`));
          else w?.ok(m.result!);
        });
        worker.on("error", (e) => {
          failStart(e);
          fail(e);
        });
        worker.on("exit", (code) => {
          if (code !== 0) fail(new Error(`demo generator worker exited with code ${code}`));
        });
      });
    }),
  );
  return {
    size,
    run(index) {
      if (broken) return Promise.reject(broken);
      // the least busy thread
      let t = 0;
      for (let k = 1; k < threads.length; k++) if (load[k]! < load[t]!) t = k;
      load[t]!++;
      return new Promise<CountyResult>((ok, failRun) => {
        waiting.set(index, { ok, fail: failRun });
        threads[t]!.postMessage({ index });
      });
    },
    async close() {
      await Promise.all(threads.map((w) => w.terminate()));
    },
  };
}

function countyEntry(c: CountyModel, duplicates: readonly DuplicatePlan[]): CountyEntry {
  const flags: string[] = [];
  if (c.underSpent) flags.push("budget_underspent");
  if (c.highRollover) flags.push("budget_high_rollover");
  if (c.belowGuideline) flags.push("standard_below_guideline");
  if (c.quality === "poor") flags.push("matching_funds_short");
  if (duplicates.some((d) => d.otherCounty === c.code)) flags.push("duplicate_persons");
  return {
    code: c.code,
    name: c.name,
    city_code: c.cityCode,
    city_name: c.cityName,
    format: c.style.format,
    date_style: c.style.format === "xlsx" ? "xlsx-date-cells" : c.style.dates,
    bool_style: c.style.bools,
    month_style: c.style.months,
    header_aliases: c.style.aliases,
    thousands_separators: c.style.thousands,
    quality: c.quality,
    resident_population: c.population,
    planted_flags: flags,
  };
}

/** Persons planted on two households: across counties (into poor counties) and within fair ones. */
function planDuplicates(counties: readonly CountyModel[], seed: number, from: MonthIndex, to: MonthIndex): DuplicatePlan[] {
  const r = Rng.of(seed, "duplicates");
  const plans: DuplicatePlan[] = [];
  const usedSeq = new Map<string, number>();
  for (const other of counties) {
    let n = 0;
    if (other.quality === "poor") n = counties.length > 1 ? 1 + (r.chance(0.5) ? 1 : 0) : 0;
    const within = other.quality === "fair" && r.chance(0.3);
    const homes: string[] = [];
    for (let i = 0; i < n; i++) {
      let home = other.code;
      while (home === other.code) home = r.pick(counties).code;
      homes.push(home);
    }
    if (within) homes.push(other.code);
    for (const home of homes) {
      const male = r.chance(0.5);
      const birth = dayOf(r.int(1950, 1995), 1, 1) + r.int(0, 364);
      const seq = 980 + (usedSeq.get(home) ?? 0) * 2 + (male ? 1 : 0);
      usedSeq.set(home, (usedSeq.get(home) ?? 0) + 1);
      const d = new Date(birth * 86_400_000);
      const stem = `${home}${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}${seq}`;
      const start = r.int(from, to);
      plans.push({
        person: { id: stem + idCheckDigit(stem), name: personName(r, male, 0), relation: "其他", male, birth },
        homeCounty: home,
        otherCounty: other.code,
        from: start,
        to: Math.min(to, start + r.int(1, 4)),
      });
    }
  }
  return plans;
}

async function writeStandards(out: string, model: ProvinceModel, from: MonthIndex): Promise<void> {
  const layout = layoutOf("standards", PROVINCE_CSV.aliases);
  const file = join(out, fileName("standards", PROVINCE_CSV));
  const w = openWriter(file, layout.sheet, layout.columns, PROVINCE_CSV);
  const label = { urban_dibao: "城市低保", rural_dibao: "农村低保", tekun: "特困人员救助供养" } as const;
  for (const s of model.standards) { const pending = w.write([s.county_code, label[s.program], { month: s.effective_from }, s.standard, s.guideline]); if (pending) await pending; }
  await w.close();
  const when = new Date((monthStart(from) - 10) * 86_400_000 + 2 * 3600_000);
  await utimes(file, when, when);
}

async function writeProfiles(out: string, model: ProvinceModel, year: number): Promise<void> {
  const layout = layoutOf("county_profile", PROVINCE_XLSX.aliases);
  const file = join(out, fileName("county_profile", PROVINCE_XLSX, undefined, undefined, year));
  const w = openWriter(file, layout.sheet, layout.columns, PROVINCE_XLSX);
  for (const c of model.counties) {
    const p = profileOf(c, year);
    { const pending = w.write([year, c.code, p.resident_population, p.low_income_population, c.fiscalDifficulty]); if (pending) await pending; }
  }
  await w.close();
  const when = new Date(dayOf(year, 3, 10) * 86_400_000 + 2 * 3600_000);
  await utimes(file, when, when);
}

/** Indicators whose province value is the ratio of summed numerators and denominators (or a summed count). */
const ADDITIVE = new Set([
  "complaints.per_10k",
  "complaints.repeat_rate",
  "accuracy.standard_ok",
  "reporting.completeness",
  "reporting.timeliness",
  "process.on_time_rate",
  "process.home_visit_rate",
  "process.county_check_rate",
  "process.publicity_rate",
  "accuracy.relative_filed_rate",
  "accuracy.benefit_rate",
  "accuracy.review_on_time_rate",
  "coverage.entries",
  "coverage.exits",
  "funds.unlisted_payments",
  "funds.proxy_violations",
  "funds.paid_rate",
  "funds.amount_match_rate",
  "funds.socialized_rate",
  "complaints.on_time_rate",
  "budget.execution_rate",
  "budget.matching_rate",
  "budget.rollover_ratio",
  "satisfaction.rate",
  "satisfaction.awareness_rate",
  "supervision.error_rate",
  "supervision.rectified_rate",
]);

function provinceExpectations(
  province: string,
  countyValues: readonly ExpectedValue[],
  results: readonly { county: CountyModel; result: CountyResult }[],
  duplicates: readonly DuplicatePlan[],
  from: MonthIndex,
  to: MonthIndex,
): ExpectedValue[] {
  const groups = new Map<string, ExpectedValue[]>();
  for (const e of countyValues) {
    if (e.level !== "county" || !ADDITIVE.has(e.indicator)) continue;
    const key = `${e.indicator}\u0000${e.window}`;
    const list = groups.get(key) ?? [];
    list.push(e);
    groups.set(key, list);
  }
  const out: ExpectedValue[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const ok = list.filter((e) => e.status !== "gap");
    const num = ok.reduce((s, e) => s + (e.numerator ?? 0), 0);
    const isCount = first.denominator === null && ok.every((e) => e.denominator === null);
    const den = ok.reduce((s, e) => s + (e.denominator ?? 0), 0);
    const e: ExpectedValue = {
      indicator: first.indicator,
      level: "province",
      region_code: province,
      county_code: null,
      window: first.window,
      numerator: round2(num),
      denominator: isCount ? null : round2(den),
      value: isCount ? round2(num) : first.indicator === "complaints.per_10k" ? (den > 0 ? Math.round((num / den) * 1e8) / 1e4 : null) : ratio(num, den),
      status: isCount || den > 0 ? "ok" : "na",
    };
    if (ok.some((x) => x.amount !== undefined)) e.amount = round2(ok.reduce((s, x) => s + (x.amount ?? 0), 0));
    const gaps = list.filter((x) => x.status === "gap").map((x) => x.county_code!);
    if (gaps.length > 0) e.gap_counties = gaps;
    out.push(e);
  }
  // Persons and duplicates across counties: a planned person seen on two counties' rosters.
  const cross = duplicates.filter((d) => d.homeCounty !== d.otherCounty).map((d) => d.person.id);
  for (let m = from; m <= to; m++) {
    const w = monthKey(m);
    let persons = 0;
    const sightings = new Map<string, number>();
    const gaps: string[] = [];
    for (const { county, result } of results) {
      const n = result.persons.get(w);
      if (n === undefined) {
        gaps.push(county.code);
        continue;
      }
      persons += n;
      for (const id of result.duplicateSightings.get(w) ?? []) sightings.set(id, (sightings.get(id) ?? 0) + 1);
    }
    let overlap = 0;
    let crossDuplicates = 0;
    for (const id of cross) {
      const k = sightings.get(id) ?? 0;
      if (k > 1) {
        overlap += k - 1;
        crossDuplicates++;
      }
    }
    const withinDuplicates = countyValues
      .filter((e) => e.indicator === "integrity.duplicate_persons" && e.window === w && e.status === "ok")
      .reduce((s, e) => s + (e.value ?? 0), 0);
    const base = { level: "province" as const, region_code: province, county_code: null, window: w, denominator: null, status: "ok" as const };
    const p: ExpectedValue = { ...base, indicator: "coverage.persons", numerator: persons - overlap, value: persons - overlap };
    const d: ExpectedValue = { ...base, indicator: "integrity.duplicate_persons", numerator: withinDuplicates + crossDuplicates, value: withinDuplicates + crossDuplicates };
    if (gaps.length > 0) p.gap_counties = d.gap_counties = gaps;
    out.push(p, d);
  }
  return out;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** JSON with one array element per line: readable, diffable, and byte-stable. */
function serialiseLedger(ledger: Ledger): string {
  const parts: string[] = ["{"];
  const entries = Object.entries(ledger);
  entries.forEach(([key, value], i) => {
    const comma = i < entries.length - 1 ? "," : "";
    if (Array.isArray(value)) {
      parts.push(`"${key}": [`);
      value.forEach((item, j) => parts.push(JSON.stringify(item) + (j < value.length - 1 ? "," : "")));
      parts.push(`]${comma}`);
    } else if (key === "deliveries") {
      const d = value as Ledger["deliveries"];
      parts.push(`"deliveries": {`);
      parts.push(`"late": [`);
      d.late.forEach((item, j) => parts.push(JSON.stringify(item) + (j < d.late.length - 1 ? "," : "")));
      parts.push(`],`);
      parts.push(`"missing": [`);
      d.missing.forEach((item, j) => parts.push(JSON.stringify(item) + (j < d.missing.length - 1 ? "," : "")));
      parts.push(`]`);
      parts.push(`}${comma}`);
    } else {
      parts.push(`"${key}": ${JSON.stringify(value)}${comma}`);
    }
  });
  parts.push("}");
  return parts.join("\n") + "\n";
}
