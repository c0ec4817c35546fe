// The bulletin as a DOCX laid out like a government notice (GB/T 9704-2012): A4, margins
// 37/35/28/26 mm, 发文机关标志 in red 方正小标宋简体 over a red rule, 2号 小标宋 title, 3号
// 仿宋_GB2312 body at a fixed 28 pt line, 黑体 headings kept with their next paragraph,
// 4号 page numbers "— 1 —", attachments on pages of their own with repeated header rows,
// and a 草稿 watermark on every page while the 文号 or the date is unset. The font table
// names the usual fallbacks (仿宋, 宋体, SimHei …) for machines without the official fonts.
import {
  AlignmentType,
  BorderStyle,
  Document,
  FrameAnchorType,
  Footer,
  Header,
  HeightRule,
  LineRuleType,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlign,
  WidthType,
} from "docx";
import type { Bulletin, TableBlock } from "./compose.js";

export const FONTS = {
  title: "方正小标宋简体",
  body: "仿宋_GB2312",
  heading: "黑体",
  number: "宋体",
} as const;

/** Fallbacks named in the font table (w:altName) and in the page's CSS. */
export const FONT_FALLBACKS: Record<string, string[]> = {
  方正小标宋简体: ["FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong", "宋体", "SimSun", "Noto Serif CJK SC"],
  仿宋_GB2312: ["FangSong_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC"],
  黑体: ["SimHei", "STHeiti", "Noto Sans CJK SC"],
  宋体: ["SimSun", "Noto Serif CJK SC"],
};

const PT = (pt: number) => pt * 2; // half-points
const SIZE = { 初号: PT(42), 二号: PT(22), 三号: PT(16), 四号: PT(14), 小四: PT(12), 五号: PT(10.5) };
const LINE = 560; // fixed 28 pt line, in twentieths of a point
const INDENT = 640; // two characters of 三号

const run = (text: string, font: string, size: number, extra: { color?: string; bold?: boolean } = {}) =>
  new TextRun({ text, font: { eastAsia: font, ascii: font, hAnsi: font }, size, ...extra });

const para = (text: string, opts: { font?: string; size?: number; indent?: boolean; align?: (typeof AlignmentType)[keyof typeof AlignmentType]; keepNext?: boolean; before?: number; after?: number; color?: string } = {}) =>
  new Paragraph({
    alignment: opts.align ?? AlignmentType.JUSTIFIED,
    indent: opts.indent === false ? undefined : { firstLine: INDENT },
    spacing: { line: LINE, lineRule: LineRuleType.EXACT, before: opts.before ?? 0, after: opts.after ?? 0 },
    keepNext: opts.keepNext,
    keepLines: opts.keepNext,
    children: [run(text, opts.font ?? FONTS.body, opts.size ?? SIZE.三号, { color: opts.color })],
  });

function cell(text: string, opts: { header?: boolean; numeric?: boolean }): TableCell {
  return new TableCell({
    verticalAlign: VerticalAlign.CENTER,
    margins: { left: 60, right: 60, top: 20, bottom: 20 },
    children: [
      new Paragraph({
        alignment: opts.header ? AlignmentType.CENTER : opts.numeric ? AlignmentType.RIGHT : AlignmentType.LEFT,
        spacing: { line: 320, lineRule: LineRuleType.AT_LEAST },
        children: [run(text, opts.header ? FONTS.heading : FONTS.body, SIZE.五号)],
      }),
    ],
  });
}

function table(t: TableBlock): Table {
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    layout: TableLayoutType.AUTOFIT,
    rows: [
      new TableRow({ tableHeader: true, cantSplit: true, children: t.columns.map((c) => cell(c, { header: true })) }),
      ...t.rows.map((r) => new TableRow({ cantSplit: true, children: r.map((c, i) => cell(c, { numeric: t.numeric[i] })) })),
    ],
  });
}

function attachment(n: number, t: TableBlock, first: boolean): (Paragraph | Table)[] {
  return [
    new Paragraph({ pageBreakBefore: first, keepNext: true, spacing: { line: LINE, lineRule: LineRuleType.EXACT }, children: [run(`附件${n}`, FONTS.heading, SIZE.三号)] }),
    new Paragraph({ alignment: AlignmentType.CENTER, keepNext: true, spacing: { before: 200, after: 200, line: 700, lineRule: LineRuleType.AT_LEAST }, children: [run(t.title, FONTS.title, SIZE.二号 - 8)] }),
    table(t),
    ...t.notes.map((note) => new Paragraph({ spacing: { before: 120, line: 360, lineRule: LineRuleType.AT_LEAST }, children: [run(`注：${note}`, FONTS.body, SIZE.五号)] })),
  ];
}

/** The watermark: a frame anchored to the page, in the header so it repeats on every page. */
function watermark(): Header {
  return new Header({
    children: [
      new Paragraph({
        frame: {
          type: "absolute",
          position: { x: 2800, y: 6400 },
          width: 6300,
          height: 3000,
          rule: HeightRule.EXACT,
          anchor: { horizontal: FrameAnchorType.PAGE, vertical: FrameAnchorType.PAGE },
        },
        alignment: AlignmentType.CENTER,
        children: [run("草  稿", FONTS.heading, PT(96), { color: "D9D9D9" })],
      }),
    ],
  });
}

function fontTable(): string {
  const fonts = Object.entries(FONT_FALLBACKS)
    .map(
      ([name, alts]) =>
        `<w:font w:name="${name}"><w:altName w:val="${alts.join(",")}"/><w:charset w:val="86"/><w:family w:val="${name === "黑体" ? "modern" : "roman"}"/><w:pitch w:val="variable"/></w:font>`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">${fonts}<w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font></w:fonts>`;
}

export async function bulletinDocx(b: Bulletin): Promise<Buffer> {
  const p = b.particulars;
  const children: (Paragraph | Table)[] = [
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 200, after: 400 },
      // as large as 初号 allows while the 发文机关标志 stays on one line of the 156 mm type area
      children: [run(`${p.issuer}文件`, FONTS.title, PT(Math.min(42, Math.floor((442 * 0.95) / (p.issuer.length + 2)))), { color: "E60012" })],
    }),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { after: 300 },
      border: { bottom: { style: BorderStyle.SINGLE, size: 18, color: "E60012", space: 12 } },
      children: [run(p.docNumber ?? "（草稿：文号未定）", FONTS.body, SIZE.三号)],
    }),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      keepNext: true,
      spacing: { before: 400, after: 400, line: 700, lineRule: LineRuleType.AT_LEAST },
      children: [run(b.title, FONTS.title, SIZE.二号)],
    }),
    para(p.addressee, { indent: false, keepNext: true }),
    para(b.preamble),
  ];
  for (const s of b.sections) {
    children.push(para(s.heading, { font: FONTS.heading, keepNext: true }));
    for (const text of s.paragraphs) children.push(para(text));
  }
  children.push(para("", { indent: false }));
  b.attachments.forEach((a, i) =>
    children.push(
      new Paragraph({
        indent: i === 0 ? { firstLine: INDENT } : { left: INDENT + 960 },
        keepNext: true,
        spacing: { line: LINE, lineRule: LineRuleType.EXACT },
        children: [run(`${i === 0 ? "附件：" : ""}${i + 1}. ${a}`, FONTS.body, SIZE.三号)],
      }),
    ),
  );
  children.push(para(p.signature, { align: AlignmentType.RIGHT, indent: false, before: 1120, keepNext: true }));
  children.push(para(p.dateText ?? "（草稿：日期未定）", { align: AlignmentType.RIGHT, indent: false }));
  if (p.copyTo) children.push(para(`抄送：${p.copyTo}`, { indent: false, before: 560 }));
  children.push(...attachment(1, b.headline, true));
  children.push(...attachment(2, b.ranking, true));

  const pageNumber = new Paragraph({
    alignment: AlignmentType.CENTER,
    children: [
      new TextRun({ children: ["— ", PageNumber.CURRENT, " —"], font: { eastAsia: FONTS.number, ascii: FONTS.number, hAnsi: FONTS.number }, size: SIZE.四号 }),
    ],
  });
  const doc = new Document({
    creator: p.issuer,
    title: b.title,
    description: p.draft ? "草稿" : (p.docNumber ?? ""),
    styles: { default: { document: { run: { font: { eastAsia: FONTS.body, ascii: FONTS.body, hAnsi: FONTS.body }, size: SIZE.三号 } } } },
    sections: [
      {
        properties: {
          // GB/T 9704: A4; top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (twips)
          page: { size: { width: 11906, height: 16838 }, margin: { top: 2098, bottom: 1984, left: 1587, right: 1474, footer: 992, header: 851 } },
        },
        headers: p.draft ? { default: watermark() } : undefined,
        footers: { default: new Footer({ children: [pageNumber] }) },
        children,
      },
    ],
  });
  return Packer.toBuffer(doc, false, [{ path: "word/fontTable.xml", data: fontTable() }]);
}
