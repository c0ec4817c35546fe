// The bulletin (通报) of one window: a Chinese narrative generated from the marts —
// headline figures, improvements, counties to be commended and those to be named for
// correction, issues found — with its tables; and the same text as a DOCX laid out
// like a government notice (GB/T 9704: A4, 仿宋 body, 黑体 headings, red masthead).
import {
  AlignmentType,
  BorderStyle,
  Document,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from "docx";
import { previousWindow } from "../../metrics/windows.js";
import { windowLabel } from "../components/format.js";
import { indicatorCatalogue, type IndicatorInfo } from "./_catalogue.js";
import type { Marts } from "./_marts.js";
import { windowKind } from "./_windows.js";

/** Headline indicators of a bulletin, in order. */
const HEADLINE = [
  "coverage.persons",
  "process.on_time_rate",
  "process.home_visit_rate",
  "accuracy.benefit_rate",
  "funds.paid_rate",
  "satisfaction.rate",
  "complaints.per_10k",
  "reporting.timeliness",
];

function fmt(v: number | null | undefined, unit: IndicatorInfo["unit"]): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (unit === "rate") return `${(v * 100).toFixed(1)}%`;
  if (unit === "days") return `${v.toFixed(1)}个工作日`;
  if (unit === "pp") return `${v.toFixed(1)}个百分点`;
  if (unit === "per10k") return `${v.toFixed(2)}件/万人`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e4).toFixed(Math.abs(v) >= 1e6 ? 0 : 2).replace(/\.?0+$/, "")}万`;
  return Math.round(v).toLocaleString("zh-CN");
}

function change(now: number | null, before: number | null, unit: IndicatorInfo["unit"]): string {
  if (now === null || before === null) return "";
  const d = now - before;
  if (Math.abs(d) < 1e-9) return "，与上期持平";
  const dir = d > 0 ? "上升" : "下降";
  if (unit === "rate") return `，较上期${dir}${Math.abs(d * 100).toFixed(1)}个百分点`;
  if (unit === "count") return `，较上期${d > 0 ? "增加" : "减少"}${fmt(Math.abs(d), unit)}`;
  return `，较上期${dir}${fmt(Math.abs(d), unit)}`;
}

export interface BulletinRanking {
  rank: number | null;
  code: string;
  name: string;
  city: string;
  composite: number | null;
  grade: string | null;
  rank_change: number | null;
}

export interface Bulletin {
  window: string;
  kind: string;
  title: string;
  issuer: string;
  addressee: string;
  date: string;
  province: { code: string; name: string } | null;
  headline: { id: string; label: string; unit: string; value: number | null; previous: number | null; text: string }[];
  sections: { heading: string; paragraphs: string[] }[];
  grades: { grade: string; n: number }[];
  ranking: BulletinRanking[];
  commended: BulletinRanking[];
  named: (BulletinRanking & { reasons: string[] })[];
  issues: { indicator: string; label: string; n: number }[];
}

export async function bulletinData(m: Marts, window: string): Promise<Bulletin> {
  const catalogue = await indicatorCatalogue();
  const info = new Map(catalogue.map((c) => [c.id, c]));
  const prev = previousWindow(window);
  const province = (
    await m.rows<{ code: string; name: string }>(
      "mart_indicator",
      "SELECT region_code AS code, any_value(region_name) AS name FROM mart_indicator WHERE level = 'province' GROUP BY 1 LIMIT 1",
    )
  )[0] ?? null;
  const provValues = await m.rows<{ window: string; indicator: string; value: number | null }>(
    "mart_indicator",
    `SELECT "window", indicator, value FROM mart_indicator WHERE level = 'province' AND "window" IN ($w, $p) AND status = 'ok'`,
    { w: window, p: prev },
  );
  const pv = (w: string, id: string) => provValues.find((r) => r.window === w && r.indicator === id)?.value ?? null;
  const cities = new Map(
    (await m.rows<{ code: string; name: string }>("mart_indicator", "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE level = 'city'")).map((r) => [r.code, r.name]),
  );
  const scores = await m.rows<{ code: string; name: string; composite: number | null; grade: string | null; rank: number | null; rank_change: number | null }>(
    "mart_score",
    `SELECT region_code AS code, region_name AS name, composite, grade, rank, rank_change FROM mart_score
     WHERE level = 'county' AND "window" = $w ORDER BY rank NULLS LAST, region_code`,
    { w: window },
  );
  const ranking: BulletinRanking[] = scores.map((s) => ({ ...s, city: cities.get(s.code.slice(0, 4)) ?? "" }));
  const lost = await m.rows<{ code: string; indicator: string; points_lost: number; value: number | null }>(
    "mart_score_detail",
    `SELECT region_code AS code, indicator, points_lost, value FROM mart_score_detail
     WHERE level = 'county' AND "window" = $w AND status = 'scored' AND points_lost > 0
     QUALIFY row_number() OVER (PARTITION BY region_code ORDER BY points_lost DESC) <= 2`,
    { w: window },
  );
  const issues = (
    await m.rows<{ indicator: string; n: number }>(
      "mart_case",
      `SELECT indicator, count(*) AS n FROM mart_case WHERE "window" = $w GROUP BY 1 ORDER BY 2 DESC`,
      { w: window },
    )
  ).map((r) => ({ ...r, label: info.get(r.indicator)?.cases ?? info.get(r.indicator)?.label ?? r.indicator }));
  const delivery = (
    await m.rows<{ expected: number; present: number; on_time: number }>(
      "mart_quality",
      `SELECT sum(expected) AS expected, sum(present) AS present, sum(on_time) AS on_time FROM mart_quality WHERE kind = 'delivery' AND "window" = $w`,
      { w: window },
    )
  )[0];

  const headline = HEADLINE.map((id) => {
    const i = info.get(id)!;
    const value = pv(window, id);
    const previous = pv(prev, id);
    return { id, label: i.label, unit: i.unit, value, previous, text: `${i.label}${fmt(value, i.unit)}${change(value, previous, i.unit)}` };
  });
  const gradesOrder = ["优秀", "良好", "合格", "不合格"];
  const grades = gradesOrder.map((g) => ({ grade: g, n: ranking.filter((r) => r.grade === g).length }));
  const scored = ranking.filter((r) => r.composite !== null);
  const mean = scored.length ? scored.reduce((s, r) => s + r.composite!, 0) / scored.length : null;
  const commended = scored.filter((r) => r.grade === "优秀").slice(0, 10);
  const top = commended.length ? commended : scored.slice(0, 5);
  const risers = scored.filter((r) => (r.rank_change ?? 0) >= 10).sort((a, b) => b.rank_change! - a.rank_change!).slice(0, 5);
  const namedBase = scored.filter((r) => r.grade === "不合格");
  const namedList = (namedBase.length > 10 ? namedBase.slice(-10).reverse() : namedBase.length ? namedBase.slice().reverse() : scored.slice(-3).reverse());
  const named = namedList.map((r) => ({
    ...r,
    reasons: lost.filter((l) => l.code === r.code).map((l) => `${info.get(l.indicator)?.label ?? l.indicator}${fmt(l.value, info.get(l.indicator)?.unit ?? "rate")}`),
  }));
  // Improvements and setbacks at province level, read in each indicator's direction.
  const moves = catalogue
    .filter((i) => !i.context)
    .map((i) => ({ i, now: pv(window, i.id), before: pv(prev, i.id) }))
    .filter((x) => x.now !== null && x.before !== null && x.before !== 0)
    .map((x) => ({ ...x, rel: ((x.now! - x.before!) / Math.abs(x.before!)) * (x.i.higherIsBetter ? 1 : -1) }));
  const better = moves.filter((x) => x.rel > 0.005).sort((a, b) => b.rel - a.rel).slice(0, 4);
  const worse = moves.filter((x) => x.rel < -0.005).sort((a, b) => a.rel - b.rel).slice(0, 4);
  const label = windowLabel(window);
  const pname = province?.name ?? "全区";
  const sections: Bulletin["sections"] = [];
  sections.push({
    heading: "一、总体情况",
    paragraphs: [
      `${label}，${pname}各级民政部门认真落实社会救助政策，${headline.filter((h) => h.value !== null).map((h) => h.text).join("；")}。`,
      scored.length
        ? `按照社会救助绩效考评指标体系，对${scored.length}个县（市、区）进行了考评，平均得分${mean!.toFixed(1)}分。其中优秀${grades[0]!.n}个、良好${grades[1]!.n}个、合格${grades[2]!.n}个、不合格${grades[3]!.n}个。`
        : "本期尚无考评结果。",
    ],
  });
  sections.push({
    heading: "二、主要进展",
    paragraphs: better.length
      ? [`与上期相比，${better.map((x) => `${x.i.label}由${fmt(x.before, x.i.unit)}${x.now! > x.before! ? "升至" : "降至"}${fmt(x.now, x.i.unit)}`).join("，")}，工作成效较为明显。`]
      : ["与上期相比，主要指标总体平稳，未见显著改善。"],
  });
  sections.push({
    heading: "三、予以通报表扬的县（市、区）",
    paragraphs: [
      top.length ? `${top.map((r) => `${r.city}${r.name}（${r.composite!.toFixed(1)}分）`).join("、")}考评成绩突出，予以通报表扬。` : "本期无。",
      ...(risers.length ? [`${risers.map((r) => `${r.city}${r.name}（上升${r.rank_change}名）`).join("、")}进步明显，予以肯定。`] : []),
    ],
  });
  sections.push({
    heading: "四、需要整改的县（市、区）",
    paragraphs: named.length
      ? [
          `${named.map((r) => `${r.city}${r.name}（${r.composite!.toFixed(1)}分${r.reasons.length ? `，主要失分：${r.reasons.join("、")}` : ""}）`).join("；")}。`,
          "请上述县（市、区）民政部门认真分析原因，逐项制定整改措施，于下期通报前将整改情况报送上级民政部门。",
        ]
      : ["本期无不合格的县（市、区）。"],
  });
  const issueText = issues.slice(0, 6).map((x) => `${x.label}${x.n}件`).join("、");
  sections.push({
    heading: "五、发现的主要问题",
    paragraphs: [
      ...(worse.length ? [`${worse.map((x) => `${x.i.label}由${fmt(x.before, x.i.unit)}${x.now! > x.before! ? "升至" : "降至"}${fmt(x.now, x.i.unit)}`).join("，")}，需引起重视。`] : []),
      issues.length ? `数据比对发现问题线索：${issueText}，已形成问题清单（个人信息已脱敏）交各地核查。` : "本期未发现问题线索。",
      delivery && delivery.expected
        ? `数据报送方面，应报台账${delivery.expected}份，已报${delivery.present}份，按时报送${delivery.on_time}份，报送完整率${((delivery.present / delivery.expected) * 100).toFixed(1)}%、及时率${((delivery.on_time / delivery.expected) * 100).toFixed(1)}%。`
        : "",
    ].filter(Boolean),
  });
  sections.push({
    heading: "六、下一步工作要求",
    paragraphs: [
      "各地要对照通报指出的问题，压实工作责任，规范审核确认程序，确保救助资金按时足额发放、对象认定精准；要加强数据报送管理，确保台账及时、完整、准确，切实提升社会救助工作绩效。",
    ],
  });
  return {
    window,
    kind: windowKind(window),
    title: `关于${label}社会救助工作绩效考评情况的通报`,
    issuer: `${pname}民政厅`,
    addressee: "各盟市民政局：",
    date: "",
    province,
    headline,
    sections,
    grades,
    ranking,
    commended: top,
    named,
    issues,
  };
}

// ---- DOCX: the layout of a government notice ----
const FANGSONG = "仿宋_GB2312";
const HEITI = "黑体";
const XBS = "方正小标宋简体";
const PT3 = 32; // 三号 16 pt, in half-points
const PT2 = 44; // 二号 22 pt

const body = (text: string) =>
  new Paragraph({ children: [new TextRun({ text, font: FANGSONG, size: PT3 })], indent: { firstLine: 640 }, spacing: { line: 560 }, alignment: AlignmentType.JUSTIFIED });

const cell = (text: string, bold = false) =>
  new TableCell({ children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text, font: FANGSONG, size: 24, bold })] })] });

export async function bulletinDocx(b: Bulletin): Promise<Buffer> {
  const children: (Paragraph | Table)[] = [
    new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: `${b.issuer}文件`, font: XBS, size: 72, color: "D00000" })] }),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 200, after: 200 },
      border: { bottom: { style: BorderStyle.SINGLE, size: 18, color: "D00000", space: 4 } },
      children: [new TextRun({ text: `通报〔${b.window.slice(0, 4)}〕`, font: FANGSONG, size: PT3 })],
    }),
    new Paragraph({ alignment: AlignmentType.CENTER, spacing: { before: 400, after: 400, line: 700 }, children: [new TextRun({ text: b.title, font: XBS, size: PT2 })] }),
    new Paragraph({ children: [new TextRun({ text: b.addressee, font: FANGSONG, size: PT3 })], spacing: { line: 560 } }),
  ];
  for (const s of b.sections) {
    children.push(new Paragraph({ indent: { firstLine: 640 }, spacing: { line: 560 }, children: [new TextRun({ text: s.heading, font: HEITI, size: PT3 })] }));
    for (const p of s.paragraphs) children.push(body(p));
  }
  children.push(new Paragraph({ spacing: { before: 600 }, children: [] }));
  children.push(body("附件：县（市、区）社会救助工作绩效考评得分排名"));
  children.push(new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { before: 800, line: 560 }, children: [new TextRun({ text: b.issuer, font: FANGSONG, size: PT3 })] }));
  children.push(new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { line: 560 }, children: [new TextRun({ text: b.date || "（印发日期）", font: FANGSONG, size: PT3 })] }));
  children.push(new Paragraph({ pageBreakBefore: true, children: [new TextRun({ text: "附件", font: HEITI, size: PT3 })] }));
  children.push(new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 200 }, children: [new TextRun({ text: "县（市、区）社会救助工作绩效考评得分排名", font: XBS, size: PT2 - 8 })] }));
  children.push(
    new Table({
      width: { size: 100, type: WidthType.PERCENTAGE },
      rows: [
        new TableRow({ tableHeader: true, children: ["排名", "盟市", "县（市、区）", "综合得分", "等级", "名次变化"].map((t) => cell(t, true)) }),
        ...b.ranking.map(
          (r) =>
            new TableRow({
              children: [
                cell(r.rank === null ? "—" : String(r.rank)),
                cell(r.city),
                cell(r.name),
                cell(r.composite === null ? "—" : r.composite.toFixed(1)),
                cell(r.grade ?? "—"),
                cell(r.rank_change === null ? "—" : r.rank_change > 0 ? `↑${r.rank_change}` : r.rank_change < 0 ? `↓${-r.rank_change}` : "—"),
              ],
            }),
        ),
      ],
    }),
  );
  const doc = new Document({
    creator: "Jiuzhu",
    title: b.title,
    sections: [
      {
        properties: {
          // GB/T 9704: A4, top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (in twentieths of a point)
          page: { size: { width: 11906, height: 16838 }, margin: { top: 2098, bottom: 1984, left: 1587, right: 1474 } },
        },
        children,
      },
    ],
  });
  return Packer.toBuffer(doc);
}
