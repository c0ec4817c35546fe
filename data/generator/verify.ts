// Reads a generated demo folder back, the way a county's files would be read by
// anyone (decode, map headers, parse, validate), and checks the ledger against the
// files: the bad rows found are exactly the ledger's, the planted counts are in the
// files, and the expected indicator values follow from the loadable rows.
// Independent of the generator's state: only the files and ground_truth.json.
import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import ExcelJS from "exceljs";
import Papa from "papaparse";
import { EXTRACTS, headerNames, normaliseHeader, type ExtractType, type FieldDef } from "../../loaders/contracts/dictionary.js";
import { provinceDivisions } from "../../loaders/regions.js";
import { addMonths, dayOf, monthIndex, monthKey, monthStart, monthEnd, workdaysBetween, ymd } from "./calendar.js";
import type { BadRow, ExpectedValue, Ledger } from "./ledger.js";
import { isValidId } from "./people.js";

export type RawValue = string | number | Date | null;

export interface ExtractFile {
  file: string;
  type: ExtractType;
  county: string | null;
  period: string | null;
  /** Canonical field of each column (null: unknown header). */
  fields: (string | null)[];
  /** Data rows; line = index + 2. */
  rows: RawValue[][];
  encoding: "utf-8-bom" | "utf-8" | "gb18030" | "xlsx";
}

const NAME = /^(county_profile|standards|applications|roster|payments|funds|complaints|surveys|inspections)(?:_(\d{4}-\d{2}|\d{4}))?(?:_(\d{6}))?\.(csv|xlsx)$/;

export async function readExtract(dir: string, file: string): Promise<ExtractFile> {
  const m = NAME.exec(file);
  if (!m) throw new Error(`not an extract file name: ${file}`);
  const type = m[1] as ExtractType;
  const def = EXTRACTS.find((e) => e.type === type)!;
  let table: RawValue[][];
  let encoding: ExtractFile["encoding"];
  if (m[4] === "xlsx") {
    encoding = "xlsx";
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, file));
    const ws = wb.worksheets[0]!;
    table = [];
    ws.eachRow({ includeEmpty: false }, (row) => {
      const values = (row.values as unknown[]).slice(1);
      const cells: RawValue[] = [];
      for (let i = 0; i < def.fields.length; i++) {
        const v = values[i];
        cells.push(v === undefined || v === null ? null : v instanceof Date ? v : typeof v === "number" ? v : String(v));
      }
      table.push(cells);
    });
  } else {
    const bytes = await readFile(join(dir, file));
    let text: string;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      encoding = "utf-8-bom";
      text = new TextDecoder("utf-8").decode(bytes.subarray(3));
    } else {
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        encoding = "utf-8";
      } catch {
        text = new TextDecoder("gb18030").decode(bytes);
        encoding = "gb18030";
      }
    }
    const parsed = Papa.parse<string[]>(text, { skipEmptyLines: true });
    table = parsed.data.map((r) => r.map((c) => (c === "" ? null : c)));
  }
  const header = (table[0] ?? []).map((h) => normaliseHeader(String(h ?? "")));
  const fields = header.map((h) => def.fields.find((f) => headerNames(f).includes(h))?.name ?? null);
  return { file, type, county: m[3] ?? null, period: m[2] ?? null, fields, rows: table.slice(1), encoding };
}

// ───────────────────────────── value parsing ─────────────────────────────

const INVALID = Symbol("invalid");
type Parsed<T> = T | null | typeof INVALID;

function validDay(y: number, m: number, d: number): number | typeof INVALID {
  if (m < 1 || m > 12 || d < 1 || d > 31) return INVALID;
  const day = dayOf(y, m, d);
  const back = ymd(day);
  return back.y === y && back.m === m && back.d === d ? day : INVALID;
}

export function parseDate(v: RawValue): Parsed<number> {
  if (v === null) return null;
  if (v instanceof Date) return Math.floor(v.getTime() / 86_400_000);
  if (typeof v === "number") return INVALID;
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) ?? /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(v) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  m ??= /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(v);
  if (!m) return INVALID;
  return validDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function parseMonth(v: RawValue): Parsed<string> {
  if (v === null) return null;
  const s = String(v);
  const m = /^(\d{4})-(\d{2})$/.exec(s) ?? /^(\d{4})(\d{2})$/.exec(s) ?? /^(\d{4})年(\d{1,2})月$/.exec(s);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return INVALID;
  return `${m[1]}-${String(Number(m[2])).padStart(2, "0")}`;
}

export function parseBool(v: RawValue): Parsed<boolean> {
  if (v === null) return null;
  const s = String(v).trim().toLowerCase();
  if (["是", "y", "1", "true", "√"].includes(s)) return true;
  if (["否", "n", "0", "false", "×"].includes(s)) return false;
  return INVALID;
}

/** Money in fen (integer). */
export function parseMoney(v: RawValue): Parsed<number> {
  if (v === null) return null;
  if (typeof v === "number") return Math.round(v * 100);
  const s = String(v).replace(/^¥/, "").replace(/,/g, "");
  if (!/^-?\d+(\.\d{1,2})?$/.test(s)) return INVALID;
  return Math.round(Number(s) * 100);
}

const text = (v: RawValue): string | null => (v === null ? null : v instanceof Date ? v.toISOString() : String(v));

// ───────────────────────────── rows as records ─────────────────────────────

export interface Row {
  file: string;
  line: number;
  county: string | null;
  period: string | null;
  values: Record<string, RawValue>;
}

interface Validated {
  rows: Row[];
  bad: BadRow[];
}

function enumCode(field: FieldDef, v: RawValue): string | null {
  if (v === null) return null;
  const s = String(v).trim();
  const hit = field.values?.find((e) => e.code === s || e.label === s || e.aliases?.includes(s));
  return hit ? hit.code : s;
}

/** Row-level validation (ID check digits, dates, region codes) and household agreement on the roster. */
export function validate(file: ExtractFile, regions: ReadonlySet<string>): Validated {
  const def = EXTRACTS.find((e) => e.type === file.type)!;
  const rows: Row[] = [];
  const bad: BadRow[] = [];
  file.rows.forEach((cells, i) => {
    const line = i + 2;
    const values: Record<string, RawValue> = {};
    let problem: BadRow | null = null;
    file.fields.forEach((name, c) => {
      if (!name) return;
      const field = def.fields.find((f) => f.name === name)!;
      const v = cells[c] ?? null;
      values[name] = v;
      if (problem || v === null) return;
      const fail = (reason: BadRow["reason"]) => (problem = { file: file.file, line, column: name, reason, value: text(v)! });
      if (field.kind === "id" && !isValidId(String(v))) fail("invalid_id_check_digit");
      else if (field.kind === "date" && parseDate(v) === INVALID) fail("impossible_date");
      else if ((field.kind === "region" || field.kind === "county") && !regions.has(String(v))) fail("unknown_region_code");
    });
    if (problem) bad.push(problem);
    else rows.push({ file: file.file, line, county: file.county, period: file.period, values });
  });
  if (file.type !== "roster") return { rows, bad };
  // A household whose rows disagree on household-level fields is rejected whole.
  const byHousehold = new Map<string, Row[]>();
  for (const r of rows) {
    const id = String(r.values.household_id);
    const list = byHousehold.get(id) ?? [];
    list.push(r);
    byHousehold.set(id, list);
  }
  const rejected = new Set<Row>();
  for (const list of byHousehold.values()) {
    const key = (r: Row) => ["household_size", "covered_size", "monthly_benefit"].map((f) => String(parseMoney(r.values[f] ?? null) as number)).join("|");
    if (new Set(list.map(key)).size > 1) {
      for (const r of list) {
        rejected.add(r);
        bad.push({ file: file.file, line: r.line, column: "monthly_benefit", reason: "household_rows_disagree", value: text(r.values.monthly_benefit ?? null)! });
      }
    }
  }
  return { rows: rows.filter((r) => !rejected.has(r)), bad };
}

// ───────────────────────────── the check ─────────────────────────────

export interface VerifyReport {
  files: number;
  rows: number;
  problems: string[];
  /** Indicator values recomputed from the files (county level). */
  recomputed: ExpectedValue[];
}

const fieldOf = (type: ExtractType, name: string) => EXTRACTS.find((e) => e.type === type)!.fields.find((f) => f.name === name)!;

/** Check a demo folder against its ledger; returns the discrepancies (none when all is well). */
export async function verifyDemo(dir: string): Promise<VerifyReport> {
  const ledger = JSON.parse(await readFile(join(dir, "ground_truth.json"), "utf8")) as Ledger;
  const problems: string[] = [];
  const listed = new Set(ledger.files.map((f) => f.file));
  const onDisk = (await readdir(dir)).filter((f) => NAME.test(f));
  for (const f of onDisk) if (!listed.has(f)) problems.push(`file not in the ledger: ${f}`);
  for (const f of listed) if (!onDisk.includes(f)) problems.push(`ledger file missing on disk: ${f}`);
  for (const m of ledger.deliveries.missing) if (onDisk.includes(m.file)) problems.push(`missing delivery present: ${m.file}`);

  // Delivery moments: the 15th of the next month (Beijing time) is the deadline.
  const late = new Set(ledger.deliveries.late.map((d) => d.file));
  for (const f of ledger.files) {
    if (!f.county_code || !f.period || !onDisk.includes(f.file)) continue;
    const mtime = (await stat(join(dir, f.file))).mtime.getTime();
    const deadline = (monthStart(monthIndex(f.period) + 1) + 15) * 86_400_000 - 8 * 3600_000;
    if (late.has(f.file) !== mtime > deadline) problems.push(`delivery time of ${f.file} disagrees with the ledger`);
  }

  const division = await provinceDivisions(ledger.params.province);
  const regions = new Set<string>([...division.counties, ...division.townships, ...division.villages].map((r) => r.code));

  const byType = new Map<ExtractType, Row[]>();
  const bad: BadRow[] = [];
  let rowCount = 0;
  const files = [...onDisk].sort();
  const raw = new Map<string, ExtractFile>();
  for (const f of files) {
    const extract = await readExtract(dir, f);
    raw.set(f, extract);
    const entry = ledger.files.find((x) => x.file === f);
    if (entry && entry.rows !== extract.rows.length) problems.push(`${f}: ${extract.rows.length} rows, ledger says ${entry.rows}`);
    if (extract.fields.some((x) => x === null)) problems.push(`${f}: unknown header`);
    const v = validate(extract, regions);
    bad.push(...v.bad);
    rowCount += extract.rows.length;
    const list = byType.get(extract.type) ?? [];
    list.push(...v.rows);
    byType.set(extract.type, list);
  }
  const key = (b: BadRow) => `${b.file}:${b.line}:${b.column}:${b.reason}`;
  const found = new Set(bad.map(key));
  const planted = new Set(ledger.bad_rows.map(key));
  for (const k of found) if (!planted.has(k)) problems.push(`bad row not in the ledger: ${k}`);
  for (const k of planted) if (!found.has(k)) problems.push(`ledger bad row not found: ${k}`);

  const recomputed = recompute(ledger, byType);
  const expected = new Map(ledger.expected.filter((e) => e.level === "county").map((e) => [`${e.indicator}|${e.county_code}|${e.window}`, e] as const));
  for (const r of recomputed) {
    const e = expected.get(`${r.indicator}|${r.county_code}|${r.window}`);
    if (!e) {
      problems.push(`no expected value for ${r.indicator} ${r.county_code} ${r.window}`);
      continue;
    }
    if (e.status === "gap") continue;
    const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) < 0.005);
    if (!close(e.numerator, r.numerator) || !close(e.denominator, r.denominator)) {
      problems.push(`${r.indicator} ${r.county_code} ${r.window}: files give ${r.numerator}/${r.denominator}, ledger ${e.numerator}/${e.denominator}`);
    }
  }
  problems.push(...checkPlanted(ledger, raw));
  return { files: files.length, rows: rowCount, problems, recomputed };
}

const num = (v: RawValue) => (v === null ? 0 : Number(v));

/** The spec's definitions, applied to the loadable rows. */
function recompute(ledger: Ledger, byType: Map<ExtractType, Row[]>): ExpectedValue[] {
  const out: ExpectedValue[] = [];
  const push = (indicator: string, county: string, window: string, numerator: number, denominator: number | null) =>
    out.push({ indicator, level: "county", region_code: county, county_code: county, window, numerator, denominator, value: null, status: "ok" });
  const from = monthIndex(ledger.params.from);
  const to = monthIndex(ledger.params.to);
  const counties = ledger.counties.map((c) => c.code);

  // Applications: the last loadable version of each, decided in the window.
  const apps = new Map<string, Row>();
  for (const r of (byType.get("applications") ?? []).sort((a, b) => a.period!.localeCompare(b.period!))) apps.set(`${r.county}|${r.values.application_id}`, r);
  const decisionField = fieldOf("applications", "decision");
  for (const c of counties) {
    for (let m = from; m <= to; m++) {
      let den = 0, onTime = 0, visited = 0, checked = 0, approved = 0, publicity = 0;
      for (const r of apps.values()) {
        if (r.county !== c) continue;
        const decision = enumCode(decisionField, r.values.decision ?? null);
        const decided = parseDate(r.values.decided_on ?? null);
        if ((decision !== "approved" && decision !== "rejected") || typeof decided !== "number" || monthKey(m) !== monthKey(monthOfDayNumber(decided))) continue;
        den++;
        const accepted = parseDate(r.values.accepted_on ?? null) as number | null;
        const program = enumCode(fieldOf("applications", "program"), r.values.program ?? null);
        const limit = program === "linshi" ? 15 : parseBool(r.values.extended ?? null) === true ? 45 : 30;
        if (accepted !== null && workdaysBetween(accepted, decided) <= limit) onTime++;
        if (r.values.investigated_on !== null && r.values.investigated_on !== undefined) visited++;
        if (parseBool(r.values.county_checked ?? null) === true) checked++;
        if (decision === "approved") {
          approved++;
          const pf = parseDate(r.values.publicity_from ?? null);
          const pt = parseDate(r.values.publicity_to ?? null);
          if (typeof pf === "number" && typeof pt === "number" && pt - pf + 1 >= 7) publicity++;
        }
      }
      const w = monthKey(m);
      push("process.on_time_rate", c, w, onTime, den);
      push("process.home_visit_rate", c, w, visited, den);
      push("process.county_check_rate", c, w, checked, den);
      push("process.publicity_rate", c, w, publicity, approved);
    }
  }

  // Standards in force.
  const standards = (byType.get("standards") ?? []).map((r) => ({
    county: String(r.values.county_code),
    program: enumCode(fieldOf("standards", "program"), r.values.program ?? null)!,
    from: monthIndex(parseMonth(r.values.effective_from ?? null) as string),
    standard: parseMoney(r.values.standard ?? null) as number,
  }));
  const standardOf = (county: string, program: string, m: number) =>
    standards.filter((s) => s.county === county && s.program === program && s.from <= m).sort((a, b) => b.from - a.from)[0]?.standard ?? NaN;

  // Roster and payments, month by month.
  const rosterByKey = groupBy(byType.get("roster") ?? [], (r) => `${r.county}|${r.period}`);
  const paymentsByKey = groupBy(byType.get("payments") ?? [], (r) => `${r.county}|${r.period}`);
  const deliveredRoster = new Set(ledger.files.filter((f) => f.type === "roster").map((f) => `${f.county_code}|${f.period}`));
  const deliveredPayments = new Set(ledger.files.filter((f) => f.type === "payments").map((f) => `${f.county_code}|${f.period}`));
  for (const c of counties) {
    for (let m = from; m <= to; m++) {
      const w = monthKey(m);
      const k = `${c}|${w}`;
      const roster = rosterByKey.get(k) ?? [];
      const households = new Map<string, Row>();
      if (deliveredRoster.has(k)) {
        const persons = new Map<string, Set<string>>();
        const cadre = new Set<string>();
        const filed = new Set<string>();
        for (const r of roster) {
          const id = String(r.values.person_id);
          const set = persons.get(id) ?? new Set<string>();
          set.add(String(r.values.household_id));
          persons.set(id, set);
          if (parseBool(r.values.cadre_relative ?? null) === true) {
            cadre.add(id);
            if (parseBool(r.values.relative_filed ?? null) === true) filed.add(id);
          }
          households.set(String(r.values.household_id), r);
        }
        push("coverage.persons", c, w, persons.size, null);
        push("integrity.duplicate_persons", c, w, [...persons.values()].filter((s) => s.size > 1).length, null);
        push("accuracy.relative_filed_rate", c, w, filed.size, cadre.size);
        let dibao = 0, ok = 0;
        for (const r of households.values()) {
          const program = enumCode(fieldOf("roster", "program"), r.values.program ?? null)!;
          if (program !== "urban_dibao" && program !== "rural_dibao") continue;
          dibao++;
          const std = standardOf(c, program, m);
          const right = Math.max(0, std - (parseMoney(r.values.per_capita_income ?? null) as number)) * num(r.values.covered_size ?? null);
          if (Math.abs(right - (parseMoney(r.values.monthly_benefit ?? null) as number)) <= 100) ok++;
        }
        push("accuracy.benefit_rate", c, w, ok, dibao);
        let reviewOk = 0;
        for (const r of households.values()) {
          const program = enumCode(fieldOf("roster", "program"), r.values.program ?? null)!;
          const category = enumCode(fieldOf("roster", "category"), r.values.category ?? null)!;
          const interval = program === "tekun" ? 12 : category === "A" ? 12 : category === "B" ? 6 : program === "urban_dibao" ? 1 : 3;
          const base = (parseDate(r.values.last_review_on ?? null) ?? parseDate(r.values.approved_on ?? null)) as number;
          if (addMonths(base, interval) >= monthEnd(m)) reviewOk++;
        }
        push("accuracy.review_on_time_rate", c, w, reviewOk, households.size);
      }
      if (!deliveredPayments.has(k)) continue;
      const payments = paymentsByKey.get(k) ?? [];
      let violations = 0;
      for (const p of payments) {
        if (parseBool(p.values.proxy ?? null) === true && (parseBool(p.values.proxy_is_staff ?? null) === true || parseBool(p.values.proxy_filed ?? null) !== true)) violations++;
      }
      push("funds.proxy_violations", c, w, violations, null);
      if (!deliveredRoster.has(k)) continue;
      let unlisted = 0;
      const paid = new Map<string, { total: number; onTime: boolean }>();
      for (const p of payments) {
        const id = String(p.values.household_id);
        if (!households.has(id)) {
          unlisted++;
          continue;
        }
        const entry = paid.get(id) ?? { total: 0, onTime: false };
        entry.total += parseMoney(p.values.amount ?? null) as number;
        entry.onTime ||= (parseDate(p.values.paid_on ?? null) as number) <= monthStart(m) + 9;
        paid.set(id, entry);
      }
      push("funds.unlisted_payments", c, w, unlisted, null);
      let onTime = 0, match = 0;
      for (const [id, r] of households) {
        const p = paid.get(id);
        if (!p) continue;
        if (p.onTime) onTime++;
        if (p.total === parseMoney(r.values.monthly_benefit ?? null)) match++;
      }
      push("funds.paid_rate", c, w, onTime, households.size);
      push("funds.amount_match_rate", c, w, match, paid.size);
    }
  }

  // Complaints: the last loadable version of each, received in the window.
  const complaints = new Map<string, Row>();
  for (const r of (byType.get("complaints") ?? []).sort((a, b) => a.period!.localeCompare(b.period!))) complaints.set(`${r.county}|${r.values.complaint_id}`, r);
  for (const c of counties) {
    for (let m = from; m <= to; m++) {
      const first = monthStart(m);
      const last = monthEnd(m);
      let n = 0, d = 0;
      for (const r of complaints.values()) {
        if (r.county !== c) continue;
        const received = parseDate(r.values.received_on ?? null) as number;
        if (received < first || received > last) continue;
        const closed = parseDate(r.values.closed_on ?? null) as number | null;
        if (closed !== null || received + 60 <= last) d++;
        if (closed !== null && closed - received <= 60) n++;
      }
      push("complaints.on_time_rate", c, monthKey(m), n, d);
    }
  }

  // Funds: December's year-end balance over spending.
  for (const r of groupBy(byType.get("funds") ?? [], (x) => `${x.county}|${x.period}`)) {
    const [c, w] = r[0].split("|") as [string, string];
    if (!w.endsWith("-12")) continue;
    let balance = 0, spent = 0;
    for (const x of r[1]) {
      balance += (parseMoney(x.values.carried_in ?? null) as number) + (parseMoney(x.values.received ?? null) as number) - (parseMoney(x.values.spent ?? null) as number);
      spent += parseMoney(x.values.spent ?? null) as number;
    }
    push("budget.rollover_ratio", c, w, balance / 100, spent / 100);
  }
  return out;
}

function monthOfDayNumber(day: number): number {
  const { y, m } = ymd(day);
  return y * 12 + m - 1;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/** Planted problems that show in the files row by row: their counts and places. */
function checkPlanted(ledger: Ledger, raw: Map<string, ExtractFile>): string[] {
  const problems: string[] = [];
  const record = (f: ExtractFile, cells: RawValue[]) => {
    const values: Record<string, RawValue> = {};
    f.fields.forEach((name, i) => name && (values[name] = cells[i] ?? null));
    return values;
  };
  const count = (problem: string, county: string, period: string) =>
    ledger.planted.filter((p) => p.problem === problem && p.county_code === county && p.period === period).reduce((s, p) => s + p.count, 0);
  for (const f of raw.values()) {
    if (f.type !== "payments") continue;
    let cash = 0;
    let proxy = 0;
    for (const cells of f.rows) {
      const v = record(f, cells);
      if (String(v.channel) === "现金") cash++;
      if (parseBool(v.proxy ?? null) === true && (parseBool(v.proxy_is_staff ?? null) === true || parseBool(v.proxy_filed ?? null) !== true)) proxy++;
    }
    if (cash !== count("payment_cash", f.county!, f.period!)) problems.push(`${f.file}: ${cash} cash payments, ledger ${count("payment_cash", f.county!, f.period!)}`);
    if (proxy !== count("payment_proxy_violation", f.county!, f.period!)) problems.push(`${f.file}: ${proxy} proxy violations, ledger ${count("payment_proxy_violation", f.county!, f.period!)}`);
    // unlisted: payments to households absent from the same month's roster file
    const roster = raw.get(f.file.replace(/^payments_/, "roster_"));
    if (roster) {
      const households = new Set(roster.rows.map((cells) => String(record(roster, cells).household_id)));
      let unlisted = 0;
      for (const cells of f.rows) if (!households.has(String(record(f, cells).household_id))) unlisted++;
      if (unlisted !== count("payment_unlisted", f.county!, f.period!)) problems.push(`${f.file}: ${unlisted} unlisted payments, ledger ${count("payment_unlisted", f.county!, f.period!)}`);
    }
  }
  for (const f of raw.values()) {
    if (f.type !== "complaints") continue;
    // complaints closed more than 60 days after receipt are all planted
    for (const cells of f.rows) {
      const v = record(f, cells);
      const received = parseDate(v.received_on ?? null);
      const closed = parseDate(v.closed_on ?? null);
      if (typeof received !== "number" || typeof closed !== "number" || closed - received <= 60) continue;
      const planted = ledger.planted.some((p) => p.problem === "complaint_closed_late" && p.county_code === f.county && p.ids?.includes(String(v.complaint_id)));
      if (!planted) problems.push(`${f.file}: complaint ${String(v.complaint_id)} closed late but not planted`);
    }
  }
  return problems;
}
