// The bulletin's text from its facts: sections of sentences and the two tables, every
// figure formatted once here so the web page, the HTML export and the DOCX say the same.
// Pure: facts in, document out (tests read the sentences).
//
// Rules (issue 13):
// - Like for like: the same months a year earlier first, then the previous window of the same
//   kind (closed windows only); cumulative measures against expected progress (month ÷ 12)
//   and the same month a year earlier, never against the previous window.
// - Whether a change is progress or a problem follows the indicator's catalogue direction;
//   context measures are stated without a judgement.
// - Commendation and criticism lists follow the configured rule, ties at the cut included,
//   and the text states the rule.
// - Each figure is stated once; case counts cover the counties the totals cover, and the
//   counties left out for data gaps are named with the extracts they did not deliver.
import { CATALOGUE } from "../catalogue/index.js";
import type { IndicatorDef } from "../catalogue/types.js";
import { levelTerms, type LevelTerms } from "../terms.js";
import type { BulletinConfig, Particulars, SelectionRule } from "./config.js";
import { changeText, formatDate, formatFigure, measureOf, shownChange, yuanToWan, type Measure } from "./format.js";
import { comparatorName, type Comparator, type Plan } from "./periods.js";
import type { CountyScore, Facts, Figure } from "./query.js";

export interface TableBlock {
  title: string;
  columns: string[];
  rows: string[][];
  /** Which columns hold numbers (right-aligned). */
  numeric: boolean[];
  notes: string[];
}

export interface Bulletin {
  window: string;
  kind: Plan["kind"];
  open: boolean;
  /** The period as the text names it: 2026年第二季度, 2026年1–6月. */
  period: string;
  title: string;
  /** The paragraph after the addressee, before the first heading. */
  preamble: string;
  particulars: Particulars & { dateText: string | null };
  province: { code: string; name: string };
  terms: LevelTerms;
  sections: { heading: string; paragraphs: string[] }[];
  /** 附件说明 lines, in order. */
  attachments: string[];
  headline: TableBlock;
  ranking: TableBlock & { codes: string[]; grades: (string | null)[] };
  grades: { grade: string; n: number }[];
  /** Who the rules selected, by county code (for tests and the page). */
  selection: { commended: string[]; criticised: string[]; risers: string[]; gapCounties: string[] };
}

/** The headline table's indicators, in order. */
export const HEADLINE = [
  "coverage.persons",
  "process.on_time_rate",
  "process.home_visit_rate",
  "accuracy.benefit_rate",
  "funds.paid_rate",
  "funds.unlisted_payments",
  "funds.proxy_violations",
  "budget.execution_rate",
  "satisfaction.rate",
  "complaints.per_10k",
  "reporting.timeliness",
] as const;

/** The unit of one problem case, by indicator (mart_case keys: applications, households, person-months, payments, complaints). */
const CASE_UNIT: Record<string, string> = {
  "process.on_time_rate": "件",
  "process.home_visit_rate": "件",
  "accuracy.review_on_time_rate": "户",
  "accuracy.relative_filed_rate": "人次",
  "integrity.duplicate_persons": "人次",
  "funds.unlisted_payments": "件",
  "funds.proxy_violations": "件",
  "complaints.on_time_rate": "件",
};

const GRADES = ["优秀", "良好", "合格", "不合格"] as const;
const NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/** Cumulative measures: judged against the same month a year earlier (and expected progress), never the previous window. */
export function isCumulative(def: IndicatorDef): boolean {
  return def.family === "budget" && def.window === "last_month";
}

/** Indicators a bulletin judges as progress or problem: not context, not derived twins of another (execution lag = expected − execution). */
function judged(def: IndicatorDef): boolean {
  return def.direction !== "context" && def.id !== "budget.execution_lag";
}

const usable = (f: Figure | undefined): f is Figure & { value: number } =>
  !!f && (f.status === "ok" || f.status === "provisional") && f.value !== null && Number.isFinite(f.value);

/** The figure as written, marked when provisional. */
function figureText(f: Figure & { value: number }, m: Measure): string {
  return `${formatFigure(f.value, m)}${f.status === "provisional" ? "（初步数据）" : ""}`;
}

export interface Move {
  def: IndicatorDef;
  now: Figure & { value: number };
  /** Comparisons in order: the first decides progress or problem. */
  against: { comparator: Pick<Comparator, "label" | "window">; before: number }[];
  better: boolean;
  steady: boolean;
  relative: number;
}

/** An indicator's change against its like-for-like comparators, read in its catalogue direction. */
export function moveOf(def: IndicatorDef, facts: Facts): Move | null {
  const byWindow = facts.figures[def.id] ?? {};
  const now = byWindow[facts.window];
  if (!usable(now)) return null;
  const m = measureOf(def);
  const comparators: Pick<Comparator, "label" | "window">[] = isCumulative(def)
    ? [{ window: facts.plan.sameMonthYearAgo, label: "上年同期" }]
    : facts.plan.comparators;
  const against = comparators
    .map((c) => ({ comparator: c, f: byWindow[c.window] }))
    .filter((x): x is { comparator: Pick<Comparator, "label" | "window">; f: Figure & { value: number } } => usable(x.f))
    .map((x) => ({ comparator: x.comparator, before: x.f.value }));
  if (against.length === 0) return { def, now, against, better: false, steady: true, relative: 0 };
  const first = against[0]!;
  const diff = shownChange(now.value, first.before, m.style);
  const higher = def.direction === "higher_better";
  return {
    def,
    now,
    against,
    steady: diff === 0,
    better: diff !== 0 && diff > 0 === higher,
    relative: first.before === 0 ? Number.POSITIVE_INFINITY : Math.abs(now.value - first.before) / Math.abs(first.before),
  };
}

function amountText(def: IndicatorDef, f: Figure): string {
  return def.amount && def.unit === "count" && f.amount !== null && Number(f.amount) !== 0 ? `（涉及资金${yuanToWan(f.amount)}万元）` : "";
}

/** 按时办结率94.8%，较上年同期上升0.5个百分点、较上季度下降0.1个百分点. */
export function moveSentence(x: Move): string {
  const m = measureOf(x.def);
  const changes = x.against.map((a) => changeText(x.now.value, a.before, m, a.comparator.label)).join("、");
  return `${x.def.name.zh}${figureText(x.now, m)}${amountText(x.def, x.now)}${changes ? `，${changes}` : ""}`;
}

/** The budget-execution sentence: against expected progress and the same month a year earlier. */
function executionSentence(facts: Facts, def: IndicatorDef, terms: LevelTerms): { text: string; behind: boolean } | null {
  const by = facts.figures[def.id] ?? {};
  const now = by[facts.window];
  if (!usable(now)) return null;
  const m = measureOf(def);
  const expected = facts.plan.expectedProgress;
  const lag = -shownChange(now.value, expected, m.style);
  const tolerance = CATALOGUE.find((d) => d.id === "budget.execution_lag")?.target?.value ?? 5;
  const vsExpected =
    lag === 0 ? `与序时进度（${formatFigure(expected, m)}）持平` : `${lag > 0 ? "低于" : "高于"}序时进度（${formatFigure(expected, m)}）${Math.abs(lag).toFixed(1)}个百分点`;
  const ya = by[facts.plan.sameMonthYearAgo];
  const vsYear = usable(ya) ? `，${changeText(now.value, ya.value, m, `上年同期（${formatFigure(ya.value, m)}）`)}` : "";
  return {
    text: `截至${facts.plan.month}月底，${terms.provinceSelf}${def.name.zh}${figureText(now, m)}，${vsExpected}${vsYear}`,
    behind: lag > tolerance,
  };
}

/**
 * The counties a rule selects: candidates of the rule's grades, best first (commendation) or
 * worst first (criticism); at most `limit`, every county tied with the last one included.
 */
export function select(counties: readonly CountyScore[], rule: SelectionRule, worstFirst: boolean): CountyScore[] {
  const candidates = counties
    .filter((c) => c.composite !== null && c.grade !== null && (rule.grades as string[]).includes(c.grade))
    .sort((a, b) => (worstFirst ? a.composite! - b.composite! : b.composite! - a.composite!) || a.code.localeCompare(b.code));
  if (rule.limit === null || candidates.length <= rule.limit) return candidates;
  const cut = candidates[rule.limit - 1]!.composite!;
  return candidates.filter((c, i) => i < rule.limit! || c.composite === cut);
}

function gradeList(grades: readonly string[]): string {
  return grades.join("或");
}

/** The rule as the text states it. */
export function ruleText(rule: SelectionRule, worstFirst: boolean): string {
  const base = `考评等级为${gradeList(rule.grades)}`;
  if (rule.limit === null) return `“${base}的全部列入”`;
  return `“${base}、综合得分居${worstFirst ? "后" : "前"}${rule.limit}名（得分并列的一并列入）”`;
}

function countyName(c: { city: string; name: string }): string {
  return `${c.city}${c.name}`;
}

function score(v: number): string {
  return `${(Math.round(v * 10) / 10).toFixed(1)}分`;
}

function monthsList(months: string[]): string {
  return months.map((m, i) => (i === 0 || m.slice(0, 4) !== months[i - 1]!.slice(0, 4) ? `${m.slice(0, 4)}年${Number(m.slice(5))}月` : `${Number(m.slice(5))}月`)).join("、");
}

export function composeBulletin(facts: Facts, config: BulletinConfig, p: Particulars): Bulletin {
  const { plan } = facts;
  const terms = levelTerms(facts.province.code);
  const defs = new Map(CATALOGUE.map((d) => [d.id as string, d]));
  const def = (id: string) => defs.get(id)!;
  const stated = new Set<string>();
  // a stock over several months is the mean of its months: say so
  const nameOf = (d: IndicatorDef) => (d.aggregation === "average_of_months" && plan.kind !== "month" ? `${d.name.zh}（月均）` : d.name.zh);
  const primary = plan.comparators[0] ?? null;
  const cmpFull = (c: Comparator) => (plan.open ? `${c.label}（${comparatorName(c, plan)}）` : c.label);

  // ---- 一、总体情况
  const overall: string[] = [];
  const preamble = `为全面掌握各地社会救助政策落实情况，推动提升社会救助工作绩效，根据社会救助绩效考评指标体系，对${plan.label}各${terms.county}社会救助工作进行了考评。现将有关情况通报如下：`;
  const scope = plan.open
    ? `${plan.window.length === 4 ? "本年度" : "本统计期"}尚未结束，本通报数据截至${plan.lastMonth.slice(0, 4)}年${plan.month}月底，${primary ? `同比均与${comparatorName(primary, plan)}比较` : "暂无上年同期数据可比"}。`
    : "";
  const context: string[] = [];
  for (const id of ["coverage.persons", "coverage.entries", "coverage.exits"]) {
    const x = moveOf(def(id), facts);
    if (!x) continue;
    stated.add(id);
    const m = measureOf(x.def);
    const label = nameOf(x.def);
    const changes = x.against.map((a) => changeText(x.now.value, a.before, m, a.comparator.label)).join("、");
    context.push(`${label}${figureText(x.now, m)}${changes ? `（${changes}）` : ""}`);
  }
  const stock = context.length ? `${plan.label}，${terms.provinceSelf}${context.join("，")}。` : "";
  if (scope || stock) overall.push(`${scope}${stock}`);
  const scored = facts.counties.filter((c) => c.composite !== null);
  const grades = GRADES.map((g) => ({ grade: g, n: scored.filter((c) => c.grade === g).length }));
  overall.push(
    scored.length
      ? `本期参加考评的${scored.length}个${terms.county}平均得分${facts.meanComposite === null ? "—" : score(facts.meanComposite)}。其中${grades.map((g) => `${g.grade}${g.n}个`).join("、")}。`
      : `本期尚无${terms.county}考评结果。`,
  );
  if (facts.gaps.length) {
    const names = facts.gaps.map((g) => {
      const why = g.missing.filter((m) => m.months.length).map((m) => `${m.label}缺报${monthsList(m.months)}`);
      return `${countyName(g)}（${why.length ? why.join("，") : "所需台账缺报"}）`;
    });
    overall.push(
      `${facts.gaps.length}个${terms.county}存在数据缺报：${names.join("、")}。其缺报台账涉及的指标未计入${terms.provinceSelf}合计，问题线索按同一口径统计。`,
    );
  }

  // ---- moves, in the catalogue's direction
  const moves = CATALOGUE.filter((d) => judged(d) && d.id !== "budget.execution_rate" && !stated.has(d.id))
    .map((d) => moveOf(d, facts))
    .filter((x): x is Move => x !== null && !x.steady && x.against.length > 0)
    .sort((a, b) => b.relative - a.relative || a.def.id.localeCompare(b.def.id));
  const better = moves.filter((x) => x.better);
  const worse = moves.filter((x) => !x.better);
  const execution = executionSentence(facts, def("budget.execution_rate"), terms);
  const n = config.rules.movesListed;
  const movesParagraph = (list: Move[], word: string): string | null => {
    if (!list.length) return null;
    const shownMoves = list.slice(0, n);
    for (const x of shownMoves) stated.add(x.def.id);
    const rest = list.slice(n);
    const lead = primary ? `与${cmpFull(primary)}相比，` : "";
    const restText = rest.length ? `；另有${rest.map((x) => x.def.name.zh).join("、")}${rest.length}项指标${word}` : "";
    return `${lead}${list.length}项指标${word}：${shownMoves.map(moveSentence).join("；")}${restText}。`;
  };

  // ---- 二、主要进展
  const progress: string[] = [];
  const pb = movesParagraph(better, "有所改善");
  if (pb) progress.push(pb);
  if (execution && !execution.behind) progress.push(`${execution.text}，预算执行进度总体正常。`);
  if (!progress.length) progress.push(primary ? `与${cmpFull(primary)}相比，主要指标未见改善。` : "本期暂无可比数据。");

  // ---- 三、表扬
  const rules = config.rules;
  const commended = select(facts.counties, rules.commend, false);
  const praise: string[] = [];
  praise.push(
    commended.length
      ? `按照${ruleText(rules.commend, false)}的规则，以下${commended.length}个${terms.county}予以通报表扬：${commended.map((c) => `${countyName(c)}（${score(c.composite!)}）`).join("、")}。`
      : `按照${ruleText(rules.commend, false)}的规则，本期没有${terms.county}列入通报表扬。`,
  );
  const criticised = select(facts.counties, rules.criticise, true);
  const onList = new Set(criticised.map((c) => c.code));
  const rankLabel = facts.rankComparator ? (plan.comparators.find((c) => c.window === facts.rankComparator)?.label ?? "上期") : null;
  const risers =
    rules.riseAtLeast === null || !rankLabel
      ? []
      : facts.counties
          .filter((c) => !onList.has(c.code) && c.rank !== null && c.compareRank !== null && c.compareRank - c.rank >= rules.riseAtLeast!)
          .sort((a, b) => b.compareRank! - b.rank! - (a.compareRank! - a.rank!) || a.code.localeCompare(b.code));
  if (risers.length) {
    praise.push(
      `名次较${rankLabel}上升${rules.riseAtLeast}位及以上（不含需要整改的）的${risers.length}个${terms.county}进步明显，予以肯定：${risers.map((c) => `${countyName(c)}（上升${c.compareRank! - c.rank!}位）`).join("、")}。`,
    );
  }

  // ---- 四、整改
  const correct: string[] = [];
  if (criticised.length) {
    const all = facts.counties.filter((c) => c.grade !== null && (rules.criticise.grades as string[]).includes(c.grade)).length;
    const left = all - criticised.length;
    correct.push(
      `按照${ruleText(rules.criticise, true)}的规则，以下${criticised.length}个${terms.county}需要整改${left > 0 ? `（另有${left}个同等级${terms.county}见附件2）` : ""}：${criticised
        .map((c) => {
          const reasons = (facts.lost[c.code] ?? []).map((l) => {
            const d = defs.get(l.indicator);
            return d ? `${d.name.zh}${formatFigure(l.value, measureOf(d))}` : l.indicator;
          });
          return `${countyName(c)}（${score(c.composite!)}${reasons.length ? `，主要失分：${reasons.join("、")}` : ""}）`;
        })
        .join("；")}。`,
      `请上述${terms.county}民政部门认真分析原因，逐项制定整改措施，于下期通报前将整改情况报送上级民政部门。`,
    );
  } else {
    correct.push(`按照${ruleText(rules.criticise, true)}的规则，本期没有${terms.county}列入整改名单。`);
  }

  // ---- 五、问题
  const problems: string[] = [];
  const pw = movesParagraph(worse, "有所退步");
  if (pw) problems.push(pw);
  if (execution?.behind) problems.push(`${execution.text}，预算执行进度滞后。`);
  const caseParts: string[] = [];
  const named: string[] = [];
  for (const d of CATALOGUE) {
    if (!d.cases) continue;
    const isCount = d.unit === "count" || d.unit === "persons";
    if (isCount) {
      // a count's figure is the indicator itself (over the counties the total covers)
      const f = facts.figures[d.id]?.[facts.window];
      if (!usable(f) || f.value === 0) continue;
      if (stated.has(d.id)) named.push(d.cases.zh);
      else {
        stated.add(d.id);
        caseParts.push(`${d.cases.zh}${formatFigure(f.value, measureOf(d))}${amountText(d, f)}`);
      }
      continue;
    }
    const k = facts.cases[d.id] ?? 0;
    if (k > 0) caseParts.push(`${d.cases.zh}${formatFigure(k, { style: "count", unit: CASE_UNIT[d.id] ?? "件" })}`);
  }
  if (caseParts.length || named.length) {
    const namedText = named.length ? `${caseParts.length ? "，以及" : ""}${named.join("、")}（数量见上文）` : "";
    problems.push(`数据比对发现问题线索：${caseParts.join("、")}${namedText}，均已形成问题清单（个人信息已脱敏）交各地核查。`);
  } else problems.push("本期数据比对未发现问题线索。");

  // ---- 六、下一步
  const next = [
    `各地要对照通报指出的问题，压实工作责任，规范审核确认程序，确保救助资金按时足额发放、对象认定精准；要加强数据报送管理，确保台账及时、完整、准确，切实提升社会救助工作绩效。`,
  ];

  const headings = ["总体情况", "主要进展", `予以通报表扬的${terms.county}`, `需要整改的${terms.county}`, "发现的主要问题", "下一步工作要求"];
  const bodies = [overall, progress, praise, correct, problems, next];
  const sections = headings.map((h, i) => ({ heading: `${NUMERALS[i]}、${h}`, paragraphs: bodies[i]! }));

  // ---- 附件1: headline table (the same figures, as written)
  const columns = ["指标", plan.label, ...plan.comparators.map((c) => (c.label === comparatorName(c, plan) ? c.label : `${c.label}（${comparatorName(c, plan)}）`)), "评价"];
  const rows = HEADLINE.map((id) => {
    const d = def(id);
    const m = measureOf(d);
    const f = facts.figures[id]?.[facts.window];
    const now = usable(f) ? figureText(f, m) : f?.status === "gap" ? "数据缺报" : "—";
    const cells = plan.comparators.map((c) => {
      const w = isCumulative(d) ? (c.relation === "year_ago" ? plan.sameMonthYearAgo : null) : c.window;
      if (w === null) return "不比较";
      const b = facts.figures[id]?.[w];
      return usable(b) ? formatFigure(b.value, m) : "—";
    });
    let verdict = "—";
    if (id === "budget.execution_rate") verdict = execution ? (execution.behind ? "进度滞后" : "进度正常") : "—";
    else if (d.direction !== "context") {
      const x = moveOf(d, facts);
      verdict = !x || x.against.length === 0 ? "—" : x.steady ? "持平" : x.better ? "改善" : "退步";
    }
    return [nameOf(d), now, ...cells, verdict];
  });
  const headline: TableBlock = {
    title: "主要指标情况表",
    columns,
    rows,
    numeric: columns.map((_, i) => i > 0 && i < columns.length - 1),
    notes: [
      `“评价”按指标方向判断，与${primary ? cmpFull(primary) : "上期"}比较；预算执行率为累计指标，不与上期比较，与序时进度（${formatFigure(plan.expectedProgress, { style: "ratio", unit: "" })}）和上年同月比较。`,
      ...(facts.gaps.length ? [`${terms.provinceSelf}合计不含缺报台账的${terms.county}（见正文）。`] : []),
    ],
  };

  // ---- 附件2: ranking
  const rankCount = new Map<number, number>();
  for (const c of facts.counties) if (c.rank !== null) rankCount.set(c.rank, (rankCount.get(c.rank) ?? 0) + 1);
  const rankingColumns = ["排名", terms.city, terms.county, "综合得分", "等级", rankLabel ? `名次变化（较${rankLabel}）` : "名次变化"];
  const ranking = {
    title: `${terms.county}社会救助工作绩效考评得分排名`,
    columns: rankingColumns,
    numeric: [true, false, false, true, false, true],
    notes: ["名次并列的，排名相同。"],
    rows: facts.counties.map((c) => {
      const change = c.rank === null || c.compareRank === null ? "—" : c.compareRank - c.rank;
      return [
        c.rank === null ? "—" : (rankCount.get(c.rank) ?? 0) > 1 ? `并列${c.rank}` : String(c.rank),
        c.city,
        c.name,
        c.composite === null ? "—" : (Math.round(c.composite * 10) / 10).toFixed(1),
        c.grade ?? "—",
        change === "—" ? "—" : change > 0 ? `↑${change}` : change < 0 ? `↓${-change}` : "持平",
      ];
    }),
    codes: facts.counties.map((c) => c.code),
    grades: facts.counties.map((c) => c.grade),
  };

  return {
    window: facts.window,
    kind: plan.kind,
    open: plan.open,
    period: plan.label,
    title: `关于${plan.label}社会救助工作绩效考评情况的通报`,
    preamble,
    particulars: { ...p, dateText: p.date ? formatDate(p.date) : null },
    province: facts.province,
    terms,
    sections,
    attachments: [headline.title, ranking.title],
    headline,
    ranking,
    grades,
    selection: {
      commended: commended.map((c) => c.code),
      criticised: criticised.map((c) => c.code),
      risers: risers.map((c) => c.code),
      gapCounties: facts.gaps.map((g) => g.code),
    },
  };
}
