// One county's 18 months (or whatever range): households enter through applications,
// are reviewed, paid and leave; every month's extracts stream to disk as they are
// simulated, and the ground truth of that county is accumulated alongside.
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import type { ExtractType } from "../../loaders/contracts/dictionary.js";
import {
  addMonths,
  addWorkdays,
  dayOf,
  isoDate,
  monthEnd,
  monthKey,
  monthOfDay,
  monthStart,
  nextWorkday,
  workdaysBetween,
  ymd,
  type MonthIndex,
} from "./calendar.js";
import { fileName, layoutOf } from "./extracts.js";
import {
  expectedCount,
  expectedRatio,
  gap,
  type BadRow,
  type Delivery,
  type ExpectedValue,
  type MissingDelivery,
  type PlantedProblem,
} from "./ledger.js";
import type { DuplicatePlan, Household, Person, RosterProgram } from "./model.js";
import { corruptCheckDigit, IdPool, personName, surnameOf } from "./people.js";
import { profileOf, standardFor, type CountyModel, type StandardRow, type Village } from "./province.js";
import { Rng } from "./random.js";
import { impossibleDate, openWriter, type Cell, type RowWriter } from "./writers.js";

export interface CountyContext {
  out: string;
  seed: number;
  scale: number;
  from: MonthIndex;
  to: MonthIndex;
  standards: readonly StandardRow[];
  duplicates: readonly DuplicatePlan[];
}

export interface CountyResult {
  files: { file: string; type: ExtractType; period: string; rows: number }[];
  planted: PlantedProblem[];
  badRows: BadRow[];
  late: Delivery[];
  missing: MissingDelivery[];
  expected: ExpectedValue[];
  rows: Partial<Record<ExtractType, number>>;
  /** Distinct covered persons per month (for the province's coverage). */
  persons: Map<string, number>;
  /** Person IDs of planned duplicates seen on this county's effective roster, per month. */
  duplicateSightings: Map<string, Set<string>>;
}

const PROGRAM_LABEL: Record<string, string> = {
  urban_dibao: "城市低保",
  rural_dibao: "农村低保",
  tekun: "特困人员救助供养",
  linshi: "临时救助",
};
const CATEGORY_LABEL: Record<Household["category"], string> = {
  A: "A类",
  B: "B类",
  C: "C类",
  full_self_care: "全自理",
  partial_care: "半护理",
  full_care: "全护理",
};
const CARE_LABEL = { centralized: "集中", dispersed: "分散" } as const;
const DECISION_LABEL = { approved: "批准", rejected: "不予批准", withdrawn: "撤回", pending: "审核中" } as const;
const CHANNEL_LABEL = { bank: "社会化发放", cash: "现金" } as const;
/** Monthly care allowance of 特困 by category, yuan. */
const CARE_ALLOWANCE: Record<string, number> = { full_self_care: 0, partial_care: 200, full_care: 500 };
// Cumulative share of the annual budget transferred by the end of each month.
const CENTRAL_SCHEDULE = [0.4, 0.4, 0.4, 0.4, 0.4, 0.7, 0.7, 0.7, 0.7, 0.9, 0.9, 1];
const PROVINCIAL_SCHEDULE = [0, 0, 0.3, 0.3, 0.3, 0.3, 0.6, 0.6, 0.6, 0.6, 0.9, 1];
const LOCAL_SCHEDULE = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((k) => (k < 12 ? (k / 12) * 0.92 : 1));
const FUND_SOURCES = [
  ["central", "中央"],
  ["provincial", "省级"],
  ["municipal", "市级"],
  ["county", "县级"],
] as const;

/** Review interval in months by program and category (spec: accuracy.review_on_time_rate). */
export function reviewInterval(program: RosterProgram, category: Household["category"]): number {
  if (program === "tekun") return 12;
  if (category === "A") return 12;
  if (category === "B") return 6;
  return program === "urban_dibao" ? 1 : 3;
}

interface Application {
  id: string;
  program: RosterProgram | "linshi";
  region: string;
  applicantId: string;
  householdSize: number;
  applied: number;
  accepted: number | null;
  extended: boolean;
  investigated: number | null;
  appraised: number | null;
  reviewed: number | null;
  publicityFrom: number | null;
  publicityTo: number | null;
  countyChecked: boolean;
  decided: number | null;
  decision: "approved" | "rejected" | "withdrawn";
  grantedFen: number | null;
  household: Household | null;
  /** Planted problems on this application. */
  planted: string[];
}

interface AppState {
  program: string;
  accepted: number | null;
  extended: boolean;
  investigated: number | null;
  publicityFrom: number | null;
  publicityTo: number | null;
  countyChecked: boolean;
  decided: number | null;
  decision: "approved" | "rejected" | "withdrawn" | "pending";
}

interface Complaint {
  id: string;
  region: string;
  program: string | null;
  received: number;
  channel: string;
  category: string;
  closed: number | null;
  finding: string;
  repeat: boolean;
  late: boolean;
}

interface ComplaintState {
  received: number;
  closed: number | null;
  repeat: boolean;
}

type FundKey = string; // `${program}:${source}`

class NullWriter implements RowWriter {
  rows = 0;
  write(): void {
    this.rows++;
  }
  async close(): Promise<void> {}
}

interface OpenFile {
  writer: RowWriter;
  file: string;
  type: ExtractType;
  month: MonthIndex;
  delivered: boolean;
}

export class CountySimulation {
  private readonly rng: Rng;
  private readonly ids: IdPool;
  private readonly households = new Map<string, Household>();
  private readonly scheduled = new Map<MonthIndex, Household[]>();
  /** Households that left and are still (wrongly) paid. */
  private readonly ghosts: Household[] = [];
  private householdSeq = 0;
  private applicationSeq = 0;
  private complaintSeq = 0;
  private responseSeq = 0;
  private inspectionSeq = 0;
  private readonly pendingDecisions = new Map<MonthIndex, Application[]>();
  private readonly complaintsClosing = new Map<MonthIndex, Complaint[]>();
  private readonly complaintState = new Map<string, ComplaintState>();
  private readonly result: CountyResult;
  private readonly fundsSpentFen = new Map<FundKey, number>(); // cumulative this year, by program
  private readonly monthSpendFen = new Map<string, number>(); // by program, this month
  private readonly budgetFen = new Map<FundKey, number>();
  private readonly carriedFen = new Map<FundKey, number>();
  private readonly receivedFen = new Map<FundKey, number>();
  private previousRosterHouseholds: Set<string> | null = null;
  private readonly deliveryRng: Rng;
  private readonly fundShares: number[];
  /** Deliveries that never arrive: `${type}@${month}`, chosen up front (poor counties: two). */
  private readonly missingPlan = new Set<string>();

  constructor(
    private readonly county: CountyModel,
    private readonly ctx: CountyContext,
  ) {
    this.rng = Rng.of(ctx.seed, `county:${county.code}`);
    this.deliveryRng = Rng.of(ctx.seed, `delivery:${county.code}`);
    this.ids = new IdPool(Rng.of(ctx.seed, `ids:${county.code}`));
    this.result = {
      files: [],
      planted: [],
      badRows: [],
      late: [],
      missing: [],
      expected: [],
      rows: {},
      persons: new Map(),
      duplicateSightings: new Map(),
    };
    const central = 0.5 + county.fiscalDifficulty * 0.2;
    const provincial = 0.2;
    const municipal = (1 - central - provincial) / 2;
    this.fundShares = [central, provincial, municipal, 1 - central - provincial - municipal];
    const plan = Rng.of(ctx.seed, `missing:${county.code}`);
    const wanted = ctx.to > ctx.from ? Math.round(county.rates.missingDeliveries) : 0;
    for (let tries = 0; this.missingPlan.size < wanted && tries < 100; tries++) {
      const type = plan.pick(["roster", "payments", "funds", "applications", "complaints"] as const);
      this.missingPlan.add(`${type}@${plan.int(ctx.from + 1, ctx.to)}`);
    }
  }

  // ───────────────────────────── people and households ─────────────────────────────

  private birthFor(age: number, atDay: number): number {
    const { y } = ymd(atDay);
    const birth = dayOf(y - age, 1, 1) + this.rng.int(0, 364);
    // nobody is born after the day they first appear (a baby of this year, born later in it, was born last year)
    return birth > atDay ? birth - 365 : birth;
  }

  private newPerson(relation: string, age: number, male: boolean, atDay: number, surname?: string): Person {
    const birth = this.birthFor(age, atDay);
    return {
      id: this.ids.issue(this.county.code, birth, male),
      name: personName(this.rng, male, this.county.mongolianShare, surname),
      relation,
      male,
    };
  }

  private pickVillage(program: RosterProgram | "linshi"): Village {
    const c = this.county;
    if (program === "urban_dibao" && c.urbanVillages.length > 0) return this.rng.pick(c.urbanVillages);
    if (program === "rural_dibao" && c.ruralVillages.length > 0) return this.rng.pick(c.ruralVillages);
    return this.rng.pick(c.villages);
  }

  private readonly standardCache = new Map<string, number>();

  private standardOf(program: RosterProgram, month: MonthIndex): number {
    const key = `${program}@${month}`;
    let value = this.standardCache.get(key);
    if (value === undefined) {
      const row = standardFor(this.ctx.standards, this.county.code, program, month);
      if (!row) throw new Error(`no standard for ${this.county.code} ${program} ${monthKey(month)}`);
      value = row.standard;
      this.standardCache.set(key, value);
    }
    return value;
  }

  /** The benefit as the county computes it (planted errors included), fen. */
  private computeBenefit(h: Household, month: MonthIndex): number {
    const std = this.standardOf(h.program, month);
    if (h.program === "tekun") return (std + (CARE_ALLOWANCE[h.category] ?? 0)) * 100;
    const gapFen = Math.max(0, std * 100 - h.pciFen);
    if (h.error === "household_size") return gapFen * h.size;
    const right = gapFen * h.members.length;
    return typeof h.error === "number" ? Math.max(100, right + h.error) : right;
  }

  private newHousehold(program: RosterProgram, month: MonthIndex, approvedOn: number, village?: Village): Household {
    const r = this.rng;
    const rates = this.county.rates;
    const at = monthStart(month);
    const v = village ?? this.pickVillage(program);
    let covered: number;
    let size: number;
    if (program === "tekun") {
      covered = 1;
      size = 1;
    } else {
      covered = [1, 2, 3, 4, 5][r.weighted([0.58, 0.22, 0.12, 0.06, 0.02])]!;
      size = covered + [0, 1, 2][r.weighted([0.6, 0.27, 0.13])]!;
    }
    const headAge = program === "tekun" ? (r.chance(0.8) ? r.int(60, 95) : r.int(18, 59)) : program === "urban_dibao" ? r.int(30, 80) : r.int(35, 88);
    const headMale = r.chance(program === "tekun" ? 0.62 : 0.55);
    const head = this.newPerson("户主", headAge, headMale, at);
    const surname = surnameOf(head.name);
    const members: Person[] = [head];
    for (let i = 1; i < covered; i++) {
      if (i === 1 && headAge >= 22 && r.chance(0.55)) {
        members.push(this.newPerson("配偶", Math.max(20, headAge + r.int(-6, 6)), !headMale, at));
      } else if (headAge < 60 && r.chance(0.15)) {
        members.push(this.newPerson("父母", Math.min(98, headAge + r.int(22, 32)), r.chance(0.45), at));
      } else if (headAge >= 24) {
        const male = r.chance(0.5);
        members.push(this.newPerson("子女", Math.max(0, Math.min(headAge - 20, r.int(0, headAge - 20))), male, at, male || r.chance(0.5) ? surname : undefined));
      } else {
        members.push(this.newPerson("其他", r.int(5, 70), r.chance(0.5), at));
      }
    }
    let category: Household["category"];
    let careMode: Household["careMode"] = null;
    if (program === "tekun") {
      category = (["full_self_care", "partial_care", "full_care"] as const)[r.weighted([0.6, 0.25, 0.15])]!;
      careMode = r.chance(0.25) ? "centralized" : "dispersed";
    } else {
      category = (["A", "B", "C"] as const)[r.weighted([0.3, 0.45, 0.25])]!;
    }
    const std = this.standardOf(program, month);
    // Income leaves a gap of 20–95 % of the standard (at least 40 yuan a person).
    const pciYuan = program === "tekun" ? r.int(0, 150) : Math.max(0, Math.min(std - 40, Math.round(std * r.uniform(0.05, 0.8))));
    const pciFen = pciYuan * 100 + (r.chance(0.3) ? 50 : 0);
    const cadreRelative = r.chance(0.015);
    this.householdSeq++;
    const prefix = program === "urban_dibao" ? "CS" : program === "rural_dibao" ? "NC" : "TK";
    const h: Household = {
      id: `${prefix}${this.county.code}${String(this.householdSeq).padStart(6, "0")}`,
      program,
      village: v,
      members,
      size,
      pciFen: Math.min(pciFen, std * 100 - 4000),
      category,
      careMode,
      approvedOn,
      lastReviewOn: null,
      cadreRelative,
      relativeFiled: !(cadreRelative && r.chance(rates.unfiledRelative)),
      benefitFen: 0,
      error: null,
      staleArmed: program !== "tekun" && r.chance(rates.staleAfterRaise),
      stale: false,
      skipReviews: r.chance(rates.overdueReview),
      protected: false,
      entryMonth: month,
      exitAt: null,
      paidAfterExit: r.chance(rates.unlistedAfterExit) ? 1 : 0,
      channel: r.chance(rates.cash) ? "cash" : "bank",
      proxy: null,
    };
    if (h.pciFen < 0) h.pciFen = 0;
    if (program !== "tekun" && r.chance(rates.wrongBenefit)) {
      h.error = size > covered && r.chance(0.5) ? "household_size" : (r.chance(0.5) ? 1 : -1) * r.int(5, 20) * 1000;
    }
    const proxyRoll = r.next();
    if (proxyRoll < rates.staffProxy) h.proxy = { id: this.adultId(at), staff: true, filed: r.chance(0.3) };
    else if (proxyRoll < rates.staffProxy + rates.unfiledProxy) h.proxy = { id: this.adultId(at), staff: false, filed: false };
    else if (proxyRoll < rates.staffProxy + rates.unfiledProxy + (headAge >= 75 ? 0.25 : 0.02)) h.proxy = { id: this.adultId(at), staff: false, filed: true };
    h.benefitFen = this.computeBenefit(h, month);
    return h;
  }

  private adultId(at: number): string {
    const male = this.rng.chance(0.5);
    return this.ids.issue(this.county.code, this.birthFor(this.rng.int(25, 60), at), male);
  }

  private initialHouseholds(): void {
    const r = this.rng;
    const from = this.ctx.from;
    const start = monthStart(from);
    for (const program of ["urban_dibao", "rural_dibao", "tekun"] as const) {
      let persons = 0;
      const target = this.county.targetPersons[program];
      while (persons < target) {
        const approvedOn = start - r.int(40, 3650);
        const h = this.newHousehold(program, from, approvedOn);
        const interval = reviewInterval(program, h.category);
        const lastReview = addMonths(start, -interval) + r.int(1, 27);
        h.lastReviewOn = lastReview > approvedOn ? lastReview : null;
        this.households.set(h.id, h);
        persons += h.members.length;
      }
    }
    // Approvals of applications made before the range join next month, as later ones will.
    if (this.ctx.to > from) {
      const entries: Household[] = [];
      for (const program of ["urban_dibao", "rural_dibao", "tekun"] as const) {
        const persons = this.county.targetPersons[program] * (program === "tekun" ? 0.013 : 0.021);
        for (let covered = 0; covered < persons; ) {
          const h = this.newHousehold(program, from, start + r.int(0, 19));
          entries.push(h);
          covered += h.members.length;
        }
      }
      this.scheduled.set(from + 1, entries);
    }
    // Planned duplicates: the home household, on the roster for the whole range.
    for (const plan of this.ctx.duplicates) {
      if (plan.homeCounty !== this.county.code) continue;
      const h = this.newHousehold(this.county.ruralVillages.length > 0 ? "rural_dibao" : "urban_dibao", from, start - r.int(200, 2000));
      h.members = [{ id: plan.person.id, name: plan.person.name, relation: "户主", male: plan.person.male }];
      h.size = 1;
      this.makeClean(h);
      h.benefitFen = this.computeBenefit(h, from);
      this.households.set(h.id, h);
    }
  }

  /** A protected household: no exit, no planted problem, no bad row. */
  private makeClean(h: Household): void {
    h.protected = true;
    h.error = null;
    h.staleArmed = false;
    h.skipReviews = false;
    h.paidAfterExit = 0;
    h.channel = "bank";
    h.proxy = null;
    h.cadreRelative = false;
    h.relativeFiled = true;
  }

  private duplicateEntries(month: MonthIndex): void {
    for (const plan of this.ctx.duplicates) {
      if (plan.otherCounty !== this.county.code || plan.from !== month) continue;
      const program = this.county.ruralVillages.length > 0 ? "rural_dibao" : "urban_dibao";
      const h = this.newHousehold(program, month, monthStart(month) - this.rng.int(10, 25));
      while (h.members.length < 2) h.members.push(this.newPerson("子女", this.rng.int(5, 17), this.rng.chance(0.5), monthStart(month)));
      h.members.push({ id: plan.person.id, name: plan.person.name, relation: "其他", male: plan.person.male });
      h.size = Math.max(h.size, h.members.length);
      this.makeClean(h);
      h.exitAt = plan.to + 1;
      h.benefitFen = this.computeBenefit(h, month);
      this.households.set(h.id, h);
    }
  }

  // ───────────────────────────── files and deliveries ─────────────────────────────

  private async open(type: ExtractType, month: MonthIndex, missingAllowed: boolean): Promise<OpenFile> {
    const style = this.county.style;
    const file = fileName(type, style, this.county.code, month);
    const missing = missingAllowed && this.missingPlan.has(`${type}@${month}`);
    if (missing) {
      this.result.missing.push({ file, type, county_code: this.county.code, period: monthKey(month) });
      return { writer: new NullWriter(), file, type, month, delivered: false };
    }
    const layout = layoutOf(type, style.aliases);
    return { writer: openWriter(join(this.ctx.out, file), layout.sheet, layout.columns, style), file, type, month, delivered: true };
  }

  private async close(f: OpenFile): Promise<void> {
    await f.writer.close();
    if (!f.delivered) return;
    this.result.files.push({ file: f.file, type: f.type, period: monthKey(f.month), rows: f.writer.rows });
    this.result.rows[f.type] = (this.result.rows[f.type] ?? 0) + f.writer.rows;
    // Delivered between the 2nd and the 14th of the next month; late ones after the 15th.
    const r = this.deliveryRng;
    const late = r.chance(this.county.rates.lateDelivery);
    const next = f.month + 1;
    const day = monthStart(next) + (late ? r.int(16, 27) : r.int(1, 13));
    const seconds = r.int(1, 8) * 3600 + r.int(0, 3599); // 09:00–17:00 Beijing time
    const when = new Date(day * 86_400_000 + seconds * 1000);
    await utimes(join(this.ctx.out, f.file), when, when);
    if (late) {
      this.result.late.push({
        file: f.file,
        type: f.type,
        county_code: this.county.code,
        period: monthKey(f.month),
        received_at: when.toISOString(),
        days_late: day - (monthStart(next) + 14),
      });
    }
  }

  private plant(problem: string, month: MonthIndex | string, ids: string[], detail?: Record<string, unknown>): void {
    if (ids.length === 0) return;
    const entry: PlantedProblem = {
      problem,
      county_code: this.county.code,
      period: typeof month === "string" ? month : monthKey(month),
      count: ids.length,
      ids,
    };
    if (detail) entry.detail = detail;
    this.result.planted.push(entry);
  }

  private bad(f: OpenFile, line: number, column: string, reason: BadRow["reason"], value: string): void {
    if (!f.delivered) return;
    this.result.badRows.push({ file: f.file, line, column, reason, value });
  }

  // ───────────────────────────── the monthly cycle ─────────────────────────────

  async run(): Promise<CountyResult> {
    this.initialHouseholds();
    for (let month = this.ctx.from; month <= this.ctx.to; month++) {
      await this.simulateMonth(month);
    }
    this.complaintExpectations();
    return this.result;
  }

  private async simulateMonth(month: MonthIndex): Promise<void> {
    const r = this.rng;
    const end = monthEnd(month);
    // Leavers and the planned duplicates' end.
    for (const [id, h] of this.households) {
      if (h.exitAt !== null && h.exitAt <= month) {
        this.households.delete(id);
        if (h.paidAfterExit > 0) this.ghosts.push(h);
      }
    }
    // Newcomers approved last month (or earlier).
    for (const h of this.scheduled.get(month) ?? []) {
      h.benefitFen = this.computeBenefit(h, month);
      this.households.set(h.id, h);
    }
    this.scheduled.delete(month);
    this.duplicateEntries(month);
    // A standard raise: benefits recomputed, except where the county forgot.
    const raised = month > this.ctx.from && month % 12 === 0;
    for (const h of this.households.values()) {
      if (raised) {
        if (h.staleArmed) {
          h.staleArmed = false;
          h.stale = true;
        } else {
          h.benefitFen = this.computeBenefit(h, month);
        }
      }
      const base = h.lastReviewOn ?? h.approvedOn;
      const interval = reviewInterval(h.program, h.category);
      if (addMonths(base, interval) < end && !h.skipReviews) {
        const reviewDay = monthStart(month) + r.int(0, 24);
        h.lastReviewOn = Math.max(reviewDay, base + 1);
        if (h.program !== "tekun") {
          const std = this.standardOf(h.program, month);
          h.pciFen = Math.max(0, Math.min(std * 100 - 4000, Math.round((h.pciFen * r.uniform(0.9, 1.12)) / 50) * 50));
        }
        h.stale = false;
        h.benefitFen = this.computeBenefit(h, month);
        const exitChance = h.program === "tekun" ? 0 : h.category === "C" ? 0.04 : h.category === "B" ? 0.05 : 0.02;
        if (!h.protected && r.chance(exitChance)) h.exitAt = month + 1;
      }
      if (!h.protected && h.exitAt === null && r.chance(h.program === "tekun" ? 0.012 : 0.007)) h.exitAt = month + 1;
    }
    const applications = this.applicationsOf(month);
    await this.writeRoster(month);
    await this.writePayments(month);
    await this.writeApplications(month, applications);
    await this.writeComplaints(month);
    await this.writeFunds(month);
    await this.writeSurveys(month);
    await this.writeInspections(month);
    this.monthExpectations(month);
  }

  /** Standards against the guideline, and the month's deliveries (roster, payments, funds, applications, complaints). */
  private monthExpectations(month: MonthIndex): void {
    const c = this.county.code;
    const w = monthKey(month);
    const programs = (["urban_dibao", "rural_dibao", "tekun"] as const).filter((p) => standardFor(this.ctx.standards, c, p, month));
    const ok = programs.every((p) => {
      const s = standardFor(this.ctx.standards, c, p, month)!;
      return s.standard >= s.guideline;
    });
    if (!ok) this.plant("standard_below_guideline", month, [c]);
    this.result.expected.push(expectedRatio("accuracy.standard_ok", c, w, ok ? 1 : 0, 1));
    const types = ["roster", "payments", "funds", "applications", "complaints"];
    const period = monthKey(month);
    const missing = this.result.missing.filter((m) => m.period === period).length;
    const late = this.result.late.filter((d) => d.period === period && types.includes(d.type)).length;
    this.result.expected.push(expectedRatio("reporting.completeness", c, w, types.length - missing, types.length));
    this.result.expected.push(expectedRatio("reporting.timeliness", c, w, types.length - missing - late, types.length));
  }

  // ───────────────────────────── applications ─────────────────────────────

  private applicationsOf(month: MonthIndex): Application[] {
    const r = this.rng;
    const apps: Application[] = [];
    const months = month - this.ctx.from;
    const counts: Record<RosterProgram, number> = { urban_dibao: 0, rural_dibao: 0, tekun: 0 };
    for (const h of this.households.values()) counts[h.program] += h.members.length;
    for (const program of ["urban_dibao", "rural_dibao", "tekun"] as const) {
      const target = this.county.targetPersons[program] * Math.pow(1 + this.county.trend, months + 2);
      if (target <= 0) continue;
      const avgSize = program === "tekun" ? 1 : 1.7;
      const churn = (program === "tekun" ? 0.013 : 0.021) * counts[program];
      const neededPersons = Math.max(0, churn + (target - counts[program]) * 0.3);
      const n = r.poisson(neededPersons / avgSize / 0.72);
      for (let i = 0; i < n; i++) apps.push(this.newApplication(program, month));
    }
    const linshi = r.poisson(Math.max(0.2, (counts.urban_dibao + counts.rural_dibao + counts.tekun) * 0.004));
    for (let i = 0; i < linshi; i++) apps.push(this.newApplication("linshi", month));
    apps.sort((a, b) => a.applied - b.applied || a.id.localeCompare(b.id));
    return apps;
  }

  private newApplication(program: RosterProgram | "linshi", month: MonthIndex): Application {
    const r = this.rng;
    const rates = this.county.rates;
    const start = monthStart(month);
    const end = monthEnd(month);
    let applied = nextWorkday(start + r.int(0, end - start));
    if (applied > end) applied = start + r.int(0, end - start);
    const accepted = r.chance(0.6) ? applied : addWorkdays(applied, r.int(1, 2));
    const decisionRoll = r.next();
    const decision: Application["decision"] = decisionRoll < 0.72 ? "approved" : decisionRoll < 0.92 ? "rejected" : "withdrawn";
    const linshi = program === "linshi";
    const extended = !linshi && r.chance(0.03);
    const limit = linshi ? 15 : extended ? 45 : 30;
    const planted: string[] = [];
    const noVisit = decision !== "withdrawn" && r.chance(rates.noHomeVisit);
    if (noVisit) planted.push("application_no_home_visit");
    let investigated: number | null = addWorkdays(accepted, linshi ? r.int(1, 3) : r.int(2, 6));
    let appraised: number | null = linshi ? null : addWorkdays(investigated, r.int(1, 4));
    let reviewed: number | null = addWorkdays(appraised ?? investigated, linshi ? r.int(1, 2) : r.int(1, 4));
    let publicityFrom: number | null = null;
    let publicityTo: number | null = null;
    let decided: number;
    if (decision === "withdrawn") {
      decided = addWorkdays(accepted, r.int(2, 8));
      if (investigated >= decided) investigated = null;
      appraised = null;
      reviewed = null;
    } else if (decision === "approved") {
      publicityFrom = reviewed + 1;
      const short = r.chance(rates.shortPublicity);
      if (short) planted.push("application_short_publicity");
      publicityTo = publicityFrom + (short ? r.int(2, 4) : 6 + (r.chance(0.2) ? r.int(1, 3) : 0));
      decided = addWorkdays(publicityTo, r.int(1, 2));
    } else {
      decided = addWorkdays(reviewed, r.int(1, 4));
    }
    if (extended && decision !== "withdrawn" && r.chance(0.5)) decided = addWorkdays(accepted, r.int(31, 44));
    if (decision !== "withdrawn" && r.chance(rates.lateDecision)) {
      decided = Math.max(decided, addWorkdays(accepted, limit + r.int(1, 15)));
      planted.push("application_late");
    } else if (workdaysBetween(accepted, decided) > limit) {
      decided = addWorkdays(accepted, limit); // keep honest counties honest
      if (publicityTo !== null && publicityTo >= decided) publicityTo = decided - 1;
    }
    if (noVisit) investigated = null;
    const countyChecked = decision !== "withdrawn" && r.chance(rates.countyCheck);
    let household: Household | null = null;
    let grantedFen: number | null = null;
    const decidedMonth = monthOfDay(decided);
    if (!linshi) {
      household = this.newHousehold(program, Math.min(decidedMonth, this.ctx.to), decided);
      if (decision === "approved") grantedFen = household.benefitFen;
    } else if (decision === "approved") {
      grantedFen = r.int(3, 30) * 10000;
    }
    this.applicationSeq++;
    const app: Application = {
      id: `SQ${this.county.code}${monthKey(month).replace("-", "")}${String(this.applicationSeq).padStart(5, "0")}`,
      program,
      region: household?.village.code ?? this.pickVillage("linshi").code,
      applicantId: household?.members[0]!.id ?? this.adultId(start),
      householdSize: household?.size ?? r.int(1, 5),
      applied,
      accepted,
      extended,
      investigated,
      appraised,
      reviewed,
      publicityFrom,
      publicityTo,
      countyChecked,
      decided,
      decision,
      grantedFen,
      household,
      planted,
    };
    if (decision === "approved" && household && decidedMonth + 1 <= this.ctx.to) {
      const list = this.scheduled.get(decidedMonth + 1) ?? [];
      list.push(household);
      this.scheduled.set(decidedMonth + 1, list);
    }
    if (decidedMonth > month && decidedMonth <= this.ctx.to) {
      const list = this.pendingDecisions.get(decidedMonth) ?? [];
      list.push(app);
      this.pendingDecisions.set(decidedMonth, list);
    }
    if (decision === "approved" && linshi && decidedMonth <= this.ctx.to) {
      const key = `linshi@${decidedMonth}`;
      this.monthSpendFen.set(key, (this.monthSpendFen.get(key) ?? 0) + grantedFen!);
    }
    return app;
  }

  /** The application as known at the end of a day (later dates blank, decision pending). */
  private stateAt(app: Application, asOf: number): AppState {
    const known = (d: number | null) => (d !== null && d <= asOf ? d : null);
    const decided = app.decided !== null && app.decided <= asOf;
    return {
      program: app.program,
      accepted: known(app.accepted),
      extended: app.extended,
      investigated: known(app.investigated),
      publicityFrom: known(app.publicityFrom),
      publicityTo: known(app.publicityTo),
      countyChecked: decided ? app.countyChecked : false,
      decided: decided ? app.decided : null,
      decision: decided ? app.decision : "pending",
    };
  }

  private async writeApplications(month: MonthIndex, fresh: Application[]): Promise<void> {
    const f = await this.open("applications", month, true);
    const end = monthEnd(month);
    const updates = this.pendingDecisions.get(month) ?? [];
    this.pendingDecisions.delete(month);
    const rows = [...updates, ...fresh];
    const style = this.county.style;
    const badRate = this.county.rates.badRows / 1000;
    const decidedHere: { program: string; state: AppState }[] = [];
    const late: string[] = [];
    const noVisit: string[] = [];
    const shortPub: string[] = [];
    for (const app of rows) {
      const s = this.stateAt(app, end);
      const line = f.writer.rows + 2;
      let applicant: Cell = app.applicantId;
      let appliedCell: Cell = { day: app.applied };
      let region: Cell = app.region;
      let isBad = false;
      if (f.delivered && this.rng.chance(badRate * 3)) {
        isBad = true;
        const kind = this.rng.int(0, 2);
        if (kind === 0) {
          applicant = corruptCheckDigit(app.applicantId);
          this.bad(f, line, "applicant_id", "invalid_id_check_digit", applicant);
        } else if (kind === 1) {
          const raw = impossibleDate(ymd(app.applied).y, style.dates, this.rng.int(0, 1));
          appliedCell = { raw };
          this.bad(f, line, "applied_on", "impossible_date", raw);
        } else {
          region = `${this.county.code}${String(this.rng.int(990, 999))}${String(this.rng.int(900, 999))}`;
          this.bad(f, line, "region_code", "unknown_region_code", region);
        }
      }
      const d = (x: number | null): Cell => (x === null ? null : { day: x });
      const decidedNow = s.decision === "approved" || s.decision === "rejected";
      { const pending = f.writer.write([
        app.id,
        PROGRAM_LABEL[app.program]!,
        region,
        applicant,
        app.householdSize,
        appliedCell,
        d(s.accepted),
        s.extended,
        d(s.investigated),
        d(app.appraised !== null && app.appraised <= end ? app.appraised : null),
        d(app.reviewed !== null && app.reviewed <= end ? app.reviewed : null),
        d(s.publicityFrom),
        d(s.publicityTo),
        s.countyChecked,
        d(s.decided),
        DECISION_LABEL[s.decision],
        s.decision === "approved" && app.grantedFen !== null ? app.grantedFen / 100 : null,
      ]); if (pending) await pending; }
      if (decidedNow && s.decided !== null && monthOfDay(s.decided) === month) {
        if (app.planted.includes("application_late")) late.push(app.id);
        if (app.planted.includes("application_no_home_visit")) noVisit.push(app.id);
        if (app.planted.includes("application_short_publicity") && s.decision === "approved") shortPub.push(app.id);
        if (f.delivered && !isBad) decidedHere.push({ program: app.program, state: s });
      }
    }
    await this.close(f);
    this.plant("application_late", month, late);
    this.plant("application_no_home_visit", month, noVisit);
    this.plant("application_short_publicity", month, shortPub);
    this.applicationExpectations(month, decidedHere, f.delivered);
  }

  private applicationExpectations(month: MonthIndex, decided: { program: string; state: AppState }[], delivered: boolean): void {
    const w = monthKey(month);
    const c = this.county.code;
    let onTime = 0;
    let visited = 0;
    let checked = 0;
    let approved = 0;
    let publicityOk = 0;
    for (const { program, state } of decided) {
      const limit = program === "linshi" ? 15 : state.extended ? 45 : 30;
      if (state.accepted !== null && workdaysBetween(state.accepted, state.decided!) <= limit) onTime++;
      if (state.investigated !== null) visited++;
      if (state.countyChecked) checked++;
      if (state.decision === "approved") {
        approved++;
        if (state.publicityFrom !== null && state.publicityTo !== null && state.publicityTo - state.publicityFrom + 1 >= 7) publicityOk++;
      }
    }
    const out = this.result.expected;
    const items: [string, number, number][] = [
      ["process.on_time_rate", onTime, decided.length],
      ["process.home_visit_rate", visited, decided.length],
      ["process.county_check_rate", checked, decided.length],
      ["process.publicity_rate", publicityOk, approved],
    ];
    for (const [indicator, num, den] of items) {
      const e = expectedRatio(indicator, c, w, num, den);
      if (!delivered) {
        e.status = "gap";
        e.value = null;
      }
      out.push(e);
    }
  }

  // ───────────────────────────── roster ─────────────────────────────

  /** Households fully rejected at ingest this month (their payment is skipped, so nothing ripples). */
  private rejectedHouseholds = new Set<string>();
  /** Effective (loaded) roster households of the month: id → benefit fen. */
  private rosterBenefit = new Map<string, number>();

  private async writeRoster(month: MonthIndex): Promise<void> {
    const f = await this.open("roster", month, true);
    const r = this.rng;
    const style = this.county.style;
    const end = monthEnd(month);
    const households = [...this.households.values()];
    // Planted bad rows: how many of each kind this month.
    const totalRows = households.reduce((s, h) => s + h.members.length, 0);
    const badRate = this.county.rates.badRows / 1000;
    const plan = new Map<string, "id" | "date" | "region" | "disagree">();
    if (f.delivered && badRate > 0) {
      const want = r.round(totalRows * badRate);
      const singles = households.filter((h) => !h.protected && h.members.length === 1);
      const multis = households.filter((h) => !h.protected && h.members.length > 1);
      for (let i = 0; i < want; i++) {
        const kind = (["id", "date", "region", "disagree"] as const)[r.int(0, 3)]!;
        const pool = kind === "id" || kind === "disagree" ? multis : singles;
        if (pool.length === 0) continue;
        const h = pool[r.int(0, pool.length - 1)]!;
        if (!plan.has(h.id)) plan.set(h.id, kind);
      }
    }
    this.rejectedHouseholds = new Set();
    this.rosterBenefit = new Map();
    const persons = new Map<string, string>(); // person → first household (effective rows)
    const duplicated = new Set<string>();
    const cadre = new Set<string>();
    const cadreFiled = new Set<string>();
    let dibaoHouseholds = 0;
    let benefitOk = 0;
    let reviewOk = 0;
    let reviewDen = 0;
    const wrong: string[] = [];
    const overdue: string[] = [];
    const unfiled: string[] = [];
    const period: Cell = { month };
    for (const h of households) {
      const kind = plan.get(h.id);
      const std = h.program === "tekun" ? 0 : this.standardOf(h.program, month);
      const right = h.program === "tekun" ? h.benefitFen : Math.max(0, std * 100 - h.pciFen) * h.members.length;
      const base = h.lastReviewOn ?? h.approvedOn;
      const reviewedOk = addMonths(base, reviewInterval(h.program, h.category)) >= end;
      if (h.program !== "tekun" && Math.abs(right - h.benefitFen) > 100) wrong.push(h.id);
      if (!reviewedOk) overdue.push(h.id);
      if (h.cadreRelative && !h.relativeFiled) unfiled.push(h.id);
      const fullyRejected = kind === "date" || kind === "region" || kind === "disagree";
      if (fullyRejected) this.rejectedHouseholds.add(h.id);
      const disagreeRow = kind === "disagree" ? r.int(1, h.members.length - 1) : -1;
      const badIdRow = kind === "id" ? r.int(1, h.members.length - 1) : -1;
      for (let i = 0; i < h.members.length; i++) {
        const p = h.members[i]!;
        const line = f.writer.rows + 2;
        let personId: Cell = p.id;
        let region: Cell = h.village.code;
        let approved: Cell = { day: h.approvedOn };
        let benefit = h.benefitFen / 100;
        let rowBad = fullyRejected;
        if (i === badIdRow) {
          personId = corruptCheckDigit(p.id);
          this.bad(f, line, "person_id", "invalid_id_check_digit", personId);
          rowBad = true;
        } else if (kind === "date") {
          const raw = impossibleDate(ymd(h.approvedOn).y, style.dates, r.int(0, 1));
          approved = { raw };
          this.bad(f, line, "approved_on", "impossible_date", raw);
        } else if (kind === "region") {
          region = `${h.village.code.slice(0, 6)}${String(r.int(990, 999))}${String(r.int(900, 999))}`;
          this.bad(f, line, "region_code", "unknown_region_code", region);
        }
        if (kind === "disagree") {
          if (i === disagreeRow) benefit = (h.benefitFen + r.int(1, 9) * 1000) / 100;
          this.bad(f, line, "monthly_benefit", "household_rows_disagree", benefit.toFixed(2));
        }
        { const pending = f.writer.write([
          period,
          PROGRAM_LABEL[h.program]!,
          h.id,
          region,
          personId,
          p.name,
          p.relation,
          h.size,
          h.members.length,
          h.pciFen / 100,
          benefit,
          approved,
          CATEGORY_LABEL[h.category],
          h.careMode ? CARE_LABEL[h.careMode] : null,
          h.lastReviewOn === null ? null : { day: h.lastReviewOn },
          h.cadreRelative,
          h.relativeFiled,
        ]); if (pending) await pending; }
        if (!rowBad && f.delivered) {
          const first = persons.get(p.id);
          if (first === undefined) persons.set(p.id, h.id);
          else if (first !== h.id) duplicated.add(p.id);
          if (h.cadreRelative) {
            cadre.add(p.id);
            if (h.relativeFiled) cadreFiled.add(p.id);
          }
        }
      }
      if (!fullyRejected && f.delivered) {
        this.rosterBenefit.set(h.id, h.benefitFen);
        if (h.program !== "tekun") {
          dibaoHouseholds++;
          if (Math.abs(right - h.benefitFen) <= 100) benefitOk++;
        }
        reviewDen++;
        if (reviewedOk) reviewOk++;
      }
    }
    await this.close(f);
    this.plant("wrong_benefit", month, wrong);
    this.plant("overdue_review", month, overdue);
    this.plant("unfiled_cadre_relative", month, unfiled);
    const w = monthKey(month);
    const c = this.county.code;
    const out = this.result.expected;
    if (!f.delivered) {
      for (const ind of ["coverage.persons", "coverage.rate", "coverage.need_rate", "integrity.duplicate_persons", "accuracy.relative_filed_rate", "accuracy.benefit_rate", "accuracy.review_on_time_rate", "coverage.entries", "coverage.exits"]) out.push(gap(ind, c, w));
      this.previousRosterHouseholds = null;
      return;
    }
    const dupIds = [...duplicated];
    const duplicates = dupIds.length;
    this.plant("duplicate_person", month, dupIds, { scope: "within county" });
    const planned = new Set(this.ctx.duplicates.map((d) => d.person.id));
    const seen = new Set<string>();
    for (const id of persons.keys()) if (planned.has(id)) seen.add(id);
    this.result.duplicateSightings.set(w, seen);
    this.result.persons.set(w, persons.size);
    out.push(expectedCount("coverage.persons", c, w, persons.size));
    const profile = profileOf(this.county, Math.floor(month / 12));
    out.push(expectedRatio("coverage.rate", c, w, persons.size, profile.resident_population));
    out.push(expectedRatio("coverage.need_rate", c, w, persons.size, profile.low_income_population));
    out.push(expectedCount("integrity.duplicate_persons", c, w, duplicates));
    out.push(expectedRatio("accuracy.relative_filed_rate", c, w, cadreFiled.size, cadre.size));
    out.push(expectedRatio("accuracy.benefit_rate", c, w, benefitOk, dibaoHouseholds));
    out.push(expectedRatio("accuracy.review_on_time_rate", c, w, reviewOk, reviewDen));
    const current = new Set(this.rosterBenefit.keys());
    if (this.previousRosterHouseholds) {
      let entries = 0;
      let exits = 0;
      for (const id of current) if (!this.previousRosterHouseholds.has(id)) entries++;
      for (const id of this.previousRosterHouseholds) if (!current.has(id)) exits++;
      out.push(expectedCount("coverage.entries", c, w, entries));
      out.push(expectedCount("coverage.exits", c, w, exits));
    } else {
      for (const ind of ["coverage.entries", "coverage.exits"]) {
        const e = gap(ind, c, w);
        e.status = "na";
        out.push(e);
      }
    }
    this.previousRosterHouseholds = current;
  }

  // ───────────────────────────── payments ─────────────────────────────

  private async writePayments(month: MonthIndex): Promise<void> {
    const f = await this.open("payments", month, true);
    const r = this.rng;
    const rates = this.county.rates;
    const style = this.county.style;
    const start = monthStart(month);
    const lateBatch = r.chance(rates.paymentLate);
    const batchDay = lateBatch ? start + r.int(11, 19) : nextWorkday(start + r.int(2, 6));
    const badRate = rates.badRows / 1000;
    const period: Cell = { month };
    const missing: string[] = [];
    const lateIds: string[] = [];
    const wrongIds: string[] = [];
    const cashIds: string[] = [];
    const proxyIds: string[] = [];
    const unlistedIds: string[] = [];
    // effective (loaded) payments, for the expectations
    const paid = new Map<string, { total: number; onTime: boolean }>();
    let unlistedCount = 0;
    let unlistedFen = 0;
    let proxyViolations = 0;
    let bankFen = 0;
    let allFen = 0;
    const spentFen: Record<string, number> = { urban_dibao: 0, rural_dibao: 0, tekun: 0 };
    const writePayment = async (h: Household, amountFen: number, paidOn: number, unlisted: boolean) => {
      const line = f.writer.rows + 2;
      let payee: Cell = h.members[0]!.id;
      let paidCell: Cell = { day: paidOn };
      let isBad = false;
      if (f.delivered && !h.protected && r.chance(badRate)) {
        isBad = true;
        if (r.chance(0.5)) {
          payee = corruptCheckDigit(h.members[0]!.id);
          this.bad(f, line, "payee_id", "invalid_id_check_digit", payee);
        } else {
          const raw = impossibleDate(ymd(paidOn).y, style.dates, r.int(0, 1));
          paidCell = { raw };
          this.bad(f, line, "paid_on", "impossible_date", raw);
        }
      }
      const proxy = h.proxy;
      { const pending = f.writer.write([
        period,
        PROGRAM_LABEL[h.program]!,
        h.id,
        h.village.code,
        payee,
        amountFen / 100,
        paidCell,
        CHANNEL_LABEL[h.channel],
        proxy !== null,
        proxy ? proxy.id : null,
        proxy ? proxy.staff : false,
        proxy ? proxy.filed : false,
      ]); if (pending) await pending; }
      spentFen[h.program] = (spentFen[h.program] ?? 0) + amountFen;
      if (h.channel === "cash") cashIds.push(h.id);
      if (proxy && (proxy.staff || !proxy.filed)) proxyIds.push(h.id);
      if (unlisted) unlistedIds.push(h.id);
      if (isBad || !f.delivered) return;
      allFen += amountFen;
      if (h.channel === "bank") bankFen += amountFen;
      if (proxy && (proxy.staff || !proxy.filed)) proxyViolations++;
      if (!this.rosterBenefit.has(h.id)) {
        unlistedCount++;
        unlistedFen += amountFen;
        return;
      }
      const p = paid.get(h.id) ?? { total: 0, onTime: false };
      p.total += amountFen;
      p.onTime = p.onTime || paidOn <= start + 9;
      paid.set(h.id, p);
    };
    for (const h of this.households.values()) {
      if (this.rejectedHouseholds.has(h.id)) continue; // rejected at ingest: skipped so nothing ripples
      if (!h.protected && r.chance(rates.paymentMissing)) {
        missing.push(h.id);
        continue;
      }
      let amount = h.benefitFen;
      if (!h.protected && r.chance(rates.paymentWrong)) {
        amount = Math.max(100, amount + (r.chance(0.5) ? 1 : -1) * r.int(2, 20) * 1000);
        wrongIds.push(h.id);
      }
      if (lateBatch) lateIds.push(h.id);
      await writePayment(h, amount, batchDay, false);
    }
    // Households that left but are still paid.
    for (let i = this.ghosts.length - 1; i >= 0; i--) {
      const h = this.ghosts[i]!;
      await writePayment(h, h.benefitFen, batchDay, true);
      h.paidAfterExit--;
      if (h.paidAfterExit <= 0) this.ghosts.splice(i, 1);
    }
    await this.close(f);
    this.plant("payment_missing", month, missing);
    if (lateIds.length > 0) this.result.planted.push({ problem: "payment_late", county_code: this.county.code, period: monthKey(month), count: lateIds.length, detail: { paid_on: isoDate(batchDay), scope: "the whole month's batch" } });
    this.plant("payment_wrong_amount", month, wrongIds);
    this.plant("payment_unlisted", month, unlistedIds);
    this.plant("payment_cash", month, cashIds);
    this.plant("payment_proxy_violation", month, proxyIds);
    for (const [program, fen] of Object.entries(spentFen)) this.monthSpendFen.set(`${program}@${month}`, fen);
    const w = monthKey(month);
    const c = this.county.code;
    const out = this.result.expected;
    if (!f.delivered) {
      for (const ind of ["funds.unlisted_payments", "funds.proxy_violations", "funds.paid_rate", "funds.amount_match_rate", "funds.socialized_rate"]) out.push(gap(ind, c, w));
      return;
    }
    out.push(expectedCount("funds.proxy_violations", c, w, proxyViolations));
    out.push(expectedRatio("funds.socialized_rate", c, w, bankFen / 100, allFen / 100));
    const rosterKnown = this.previousRosterHouseholds !== null && this.rosterDelivered(month);
    if (!rosterKnown) {
      for (const ind of ["funds.unlisted_payments", "funds.paid_rate", "funds.amount_match_rate"]) out.push(gap(ind, c, w));
      return;
    }
    out.push(expectedCount("funds.unlisted_payments", c, w, unlistedCount, unlistedFen / 100));
    let paidOnTime = 0;
    let match = 0;
    for (const [id, benefit] of this.rosterBenefit) {
      const p = paid.get(id);
      if (!p) continue;
      if (p.onTime) paidOnTime++;
      if (p.total === benefit) match++;
    }
    out.push(expectedRatio("funds.paid_rate", c, w, paidOnTime, this.rosterBenefit.size));
    out.push(expectedRatio("funds.amount_match_rate", c, w, match, paid.size));
  }

  private rosterDelivered(month: MonthIndex): boolean {
    return !this.result.missing.some((m) => m.type === "roster" && m.period === monthKey(month));
  }

  // ───────────────────────────── funds ─────────────────────────────

  private async writeFunds(month: MonthIndex): Promise<void> {
    const r = this.rng;
    const c = this.county;
    const year = Math.floor(month / 12);
    const m = (month % 12) + 1;
    const programs = ["urban_dibao", "rural_dibao", "tekun", "linshi"].filter((p) => p !== "urban_dibao" || c.urbanVillages.length > 0).filter((p) => p !== "rural_dibao" || c.ruralVillages.length > 0);
    const firstOfYear = month === this.ctx.from || m === 1;
    if (firstOfYear) {
      for (const program of programs) {
        const observed = this.monthSpendFen.get(`${program}@${month}`) ?? 0;
        // 临时救助 is lumpy: budget it from the caseload rather than one month's grants.
        const monthly = program === "linshi" ? Math.max(observed, this.coveredPersons() * 0.004 * 0.72 * 165_000) : observed;
        const remaining = 12 - (m - 1);
        const factor = c.underSpent ? r.uniform(1.3, 1.5) : c.highRollover ? r.uniform(1.15, 1.3) : r.uniform(1.0, 1.06);
        const annual = Math.max(100000, monthly * remaining * factor);
        FUND_SOURCES.forEach(([source], i) => {
          const key = `${program}:${source}`;
          this.budgetFen.set(key, Math.round((annual * this.fundShares[i]!) / 100) * 100);
          const previous = month > this.ctx.from ? this.carriedOver.get(key) : undefined;
          const carried = previous ?? Math.round((annual * this.fundShares[i]! * (c.highRollover ? r.uniform(0.12, 0.2) : r.uniform(0.01, 0.05))) / 100) * 100;
          this.carriedFen.set(key, Math.max(0, carried));
          this.receivedFen.set(key, 0);
          this.fundsSpentFen.set(key, 0);
        });
      }
    }
    const f = await this.open("funds", month, true);
    let budgetSum = 0;
    let carriedSum = 0;
    let receivedSum = 0;
    let spentSum = 0;
    let matchingReceived = 0;
    let matchingBudget = 0;
    for (const program of programs) {
      const monthly = this.monthSpendFen.get(`${program}@${month}`) ?? 0;
      this.monthSpendFen.delete(`${program}@${month}`);
      for (let i = 0; i < FUND_SOURCES.length; i++) {
        const [source, label] = FUND_SOURCES[i]!;
        const key = `${program}:${source}`;
        const budget = this.budgetFen.get(key)!;
        const carried = this.carriedFen.get(key)!;
        const spent = this.fundsSpentFen.get(key)! + Math.round((monthly * this.fundShares[i]!) / 100) * 100;
        this.fundsSpentFen.set(key, spent);
        // Transfers: central and provincial in tranches, local matching monthly; always enough to cover spending.
        const schedule = source === "central" ? CENTRAL_SCHEDULE : source === "provincial" ? PROVINCIAL_SCHEDULE : LOCAL_SCHEDULE;
        const matchingShortfall = (source === "municipal" || source === "county") && c.quality === "poor" ? 0.75 : 1;
        let received = Math.round((budget * schedule[m - 1]! * matchingShortfall) / 100) * 100;
        if (m === 12 && !c.underSpent && !c.highRollover) {
          // The province settles the year: transfers just cover spending plus a small margin.
          received = Math.max(spent - carried + Math.round((spent * r.uniform(0.005, 0.04)) / 100) * 100, 0);
        }
        received = Math.max(received, this.receivedFen.get(key)!, spent - carried);
        this.receivedFen.set(key, received);
        { const pending = f.writer.write([{ month }, c.code, PROGRAM_LABEL[program]!, label, budget / 100, carried / 100, received / 100, spent / 100]); if (pending) await pending; }
        budgetSum += budget;
        carriedSum += carried;
        receivedSum += received;
        spentSum += spent;
        if (source === "municipal" || source === "county") {
          matchingReceived += received;
          matchingBudget += budget;
        }
        if (m === 12) this.carriedOver.set(key, carried + received - spent);
      }
    }
    await this.close(f);
    const w = monthKey(month);
    const out = this.result.expected;
    const windows = [w];
    if (m === 12) windows.push(String(year));
    if (m % 3 === 0) windows.push(`${year}-Q${m / 3}`);
    if (m % 6 === 0) windows.push(`${year}-H${m / 6}`);
    for (const window of windows) {
      if (!f.delivered) {
        for (const ind of ["budget.execution_rate", "budget.matching_rate", ...(m === 12 ? ["budget.rollover_ratio"] : [])]) out.push(gap(ind, c.code, window));
        continue;
      }
      out.push(expectedRatio("budget.execution_rate", c.code, window, spentSum / 100, (budgetSum + carriedSum) / 100));
      out.push(expectedRatio("budget.matching_rate", c.code, window, matchingReceived / 100, matchingBudget / 100));
      if (m === 12) out.push(expectedRatio("budget.rollover_ratio", c.code, window, (carriedSum + receivedSum - spentSum) / 100, spentSum / 100));
    }
    if (m === 12 && f.delivered) {
      const ratio = (carriedSum + receivedSum - spentSum) / spentSum;
      if (ratio > 0.1) this.plant("budget_rollover_above_10pct", w, [c.code], { ratio: Math.round(ratio * 10000) / 10000 });
    }
    if (c.underSpent && firstOfYear) this.plant("budget_underspent", String(year), [c.code]);
  }

  private readonly carriedOver = new Map<FundKey, number>();

  private coveredPersons(): number {
    let persons = 0;
    for (const h of this.households.values()) persons += h.members.length;
    return persons;
  }

  // ───────────────────────────── complaints ─────────────────────────────

  private async writeComplaints(month: MonthIndex): Promise<void> {
    const r = this.rng;
    const c = this.county;
    const start = monthStart(month);
    const end = monthEnd(month);
    const n = r.poisson((this.coveredPersons() / 10000) * c.rates.complaintsPer10k);
    const fresh: Complaint[] = [];
    for (let i = 0; i < n; i++) {
      const received = start + r.int(0, end - start);
      const late = r.chance(c.rates.complaintLate);
      const closedAfter = late ? (r.chance(0.3) ? null : r.int(61, 110)) : r.int(3, 45);
      const closed = closedAfter === null ? null : received + closedAfter;
      const category = (["wrong_inclusion", "omission", "fraud", "favoritism", "payment", "conduct", "other"] as const)[r.weighted([0.2, 0.2, 0.08, 0.12, 0.15, 0.15, 0.1])]!;
      this.complaintSeq++;
      const complaint: Complaint = {
        id: `TS${c.code}${monthKey(month).replace("-", "")}${String(this.complaintSeq).padStart(4, "0")}`,
        region: this.pickVillage("linshi").code,
        program: r.chance(0.1) ? null : (["城市低保", "农村低保", "特困人员救助供养", "临时救助"] as const)[r.weighted([0.3, 0.45, 0.15, 0.1])]!,
        received,
        channel: (["热线", "来信", "来访", "网络", "媒体", "上级交办"] as const)[r.weighted([0.45, 0.08, 0.15, 0.2, 0.02, 0.1])]!,
        category: { wrong_inclusion: "错保", omission: "漏保", fraud: "骗保", favoritism: "优亲厚友", payment: "资金发放", conduct: "工作作风", other: "其他" }[category],
        closed,
        finding: (["属实", "部分属实", "不属实"] as const)[r.weighted([0.22, 0.2, 0.58])]!,
        repeat: r.chance(c.quality === "poor" ? 0.08 : 0.03),
        late,
      };
      fresh.push(complaint);
      if (closed !== null && monthOfDay(closed) > month && monthOfDay(closed) <= this.ctx.to) {
        const list = this.complaintsClosing.get(monthOfDay(closed)) ?? [];
        list.push(complaint);
        this.complaintsClosing.set(monthOfDay(closed), list);
      }
    }
    const updates = this.complaintsClosing.get(month) ?? [];
    this.complaintsClosing.delete(month);
    const f = await this.open("complaints", month, true);
    const badRate = c.rates.badRows / 1000;
    for (const cp of [...updates, ...fresh]) {
      const closedNow = cp.closed !== null && cp.closed <= end;
      const line = f.writer.rows + 2;
      let receivedCell: Cell = { day: cp.received };
      let isBad = false;
      if (f.delivered && r.chance(badRate * 5)) {
        isBad = true;
        const raw = impossibleDate(ymd(cp.received).y, c.style.dates, r.int(0, 1));
        receivedCell = { raw };
        this.bad(f, line, "received_on", "impossible_date", raw);
      }
      { const pending = f.writer.write([
        cp.id,
        cp.region,
        cp.program,
        receivedCell,
        cp.channel,
        cp.category,
        closedNow ? { day: cp.closed! } : null,
        closedNow ? cp.finding : "核查中",
        cp.repeat,
      ]); if (pending) await pending; }
      if (f.delivered && !isBad) this.complaintState.set(cp.id, { received: cp.received, closed: closedNow ? cp.closed : null, repeat: cp.repeat });
    }
    await this.close(f);
    const lateIds = fresh.filter((cp) => cp.late).map((cp) => cp.id);
    this.plant("complaint_closed_late", month, lateIds);
    if (!f.delivered) this.complaintGaps.add(month);
  }

  private readonly complaintGaps = new Set<MonthIndex>();

  /** complaints.on_time_rate for every window, from the last loaded version of each complaint. */
  private complaintExpectations(): void {
    const c = this.county.code;
    const windows: { key: string; first: MonthIndex; last: MonthIndex }[] = [];
    for (let m = this.ctx.from; m <= this.ctx.to; m++) {
      windows.push({ key: monthKey(m), first: m, last: m });
      const year = Math.floor(m / 12);
      const mm = (m % 12) + 1;
      if (mm % 3 === 0 && m - 2 >= this.ctx.from) windows.push({ key: `${year}-Q${mm / 3}`, first: m - 2, last: m });
      if (mm % 6 === 0 && m - 5 >= this.ctx.from) windows.push({ key: `${year}-H${mm / 6}`, first: m - 5, last: m });
      if (mm === 12 && m - 11 >= this.ctx.from) windows.push({ key: String(year), first: m - 11, last: m });
    }
    const states = [...this.complaintState.values()];
    for (const w of windows) {
      const first = monthStart(w.first);
      const last = monthEnd(w.last);
      let num = 0;
      let den = 0;
      for (const s of states) {
        if (s.received < first || s.received > last) continue;
        if (s.closed !== null || s.received + 60 <= last) den++;
        if (s.closed !== null && s.closed - s.received <= 60) num++;
      }
      const e = expectedRatio("complaints.on_time_rate", c, w.key, num, den);
      let gapMonth = false;
      for (let m = w.first; m <= w.last; m++) if (this.complaintGaps.has(m)) gapMonth = true;
      const list = [e];
      if (w.first === w.last) {
        let received = 0;
        let repeats = 0;
        for (const s of states) {
          if (s.received < first || s.received > last) continue;
          received++;
          if (s.repeat) repeats++;
        }
        list.push(expectedRatio("complaints.repeat_rate", c, w.key, repeats, received));
        const persons = this.result.persons.get(w.key);
        if (persons === undefined) list.push(gap("complaints.per_10k", c, w.key));
        else list.push({ ...expectedRatio("complaints.per_10k", c, w.key, received, persons), value: persons > 0 ? Math.round((received / persons) * 1e4 * 1e4) / 1e4 : null });
      }
      for (const x of list) {
        if (gapMonth && x.status !== "gap") {
          x.status = "gap";
          x.value = null;
        }
        this.result.expected.push(x);
      }
    }
  }

  // ───────────────────────────── surveys and inspections ─────────────────────────────

  private async writeSurveys(month: MonthIndex): Promise<void> {
    if ((month % 12) % 3 !== 2) return; // March, June, September, December
    const r = this.rng;
    const c = this.county;
    const n = Math.round(Math.min(300, Math.max(30, 400 * Math.sqrt(this.ctx.scale))) * r.uniform(0.85, 1.15));
    const f = await this.open("surveys", month, false);
    const start = monthStart(month);
    const day0 = start + r.int(3, 15);
    let satisfied = 0;
    let aware = 0;
    for (let i = 0; i < n; i++) {
      this.responseSeq++;
      const s = r.weighted(c.rates.satisfied);
      const a = r.weighted(c.rates.aware);
      if (s <= 2) satisfied++;
      aware += a === 0 ? 1 : a === 1 ? 0.5 : 0;
      { const pending = f.writer.write([
        `WJ${c.code}${monthKey(month).replace("-", "")}${String(this.responseSeq).padStart(5, "0")}`,
        { day: day0 + r.int(0, 10) },
        this.pickVillage("linshi").code,
        r.chance(0.6) ? "救助对象" : "群众",
        ["非常满意", "满意", "基本满意", "不满意", "非常不满意"][s]!,
        ["知晓", "部分知晓", "不知晓"][a]!,
      ]); if (pending) await pending; }
    }
    await this.close(f);
    this.result.expected.push(expectedRatio("satisfaction.rate", c.code, monthKey(month), satisfied, n));
    this.result.expected.push(expectedRatio("satisfaction.awareness_rate", c.code, monthKey(month), aware, n));
  }

  private async writeInspections(month: MonthIndex): Promise<void> {
    const r = this.rng;
    const c = this.county;
    const mm = (month % 12) + 1;
    const levels: string[] = [];
    if (r.chance(0.5)) levels.push("县级自查");
    if (mm % 3 === 2) levels.push("市级巡查");
    if (mm === 5 || mm === 11) levels.push("省级抽查");
    if (mm === 10) levels.push("第三方评估");
    if (levels.length === 0) return;
    const f = await this.open("inspections", month, false);
    const start = monthStart(month);
    let checked = 0;
    let wrong = 0;
    let withProblems = 0;
    let rectified = 0;
    for (const level of levels) {
      this.inspectionSeq++;
      const cases = r.int(10, 60);
      const casesWrong = Math.min(cases, r.poisson(cases * c.rates.inspectionErrors));
      const missed = r.poisson(cases * c.rates.inspectionErrors * 0.3);
      const irregular = casesWrong > 0 ? casesWrong * r.int(5, 40) * 100 : 0;
      const problems = casesWrong > 0 || missed > 0 || irregular > 0;
      const fixed = problems ? r.chance(c.rates.rectified) : true;
      const region = r.chance(0.5) ? r.pick(c.townships.length > 0 ? c.townships : c.villages).code : r.pick(c.villages).code;
      { const pending = f.writer.write([
        `JC${c.code}${monthKey(month).replace("-", "")}${String(this.inspectionSeq).padStart(4, "0")}`,
        { day: start + r.int(2, 25) },
        level,
        region,
        cases,
        casesWrong,
        missed,
        irregular,
        fixed,
      ]); if (pending) await pending; }
      checked += cases;
      wrong += casesWrong;
      if (problems) {
        withProblems++;
        if (fixed) rectified++;
      }
    }
    await this.close(f);
    this.result.expected.push(expectedRatio("supervision.error_rate", c.code, monthKey(month), wrong, checked));
    this.result.expected.push(expectedRatio("supervision.rectified_rate", c.code, monthKey(month), rectified, withProblems));
  }
}

