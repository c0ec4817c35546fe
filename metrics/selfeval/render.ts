// The 项目支出绩效自评表 as XLSX (exceljs: merged cells like the paper form, A4 portrait, one
// page wide, the indicator header repeated) and DOCX (docx: one table, header row repeated).
import { AlignmentType, Document, Packer, PageOrientation, Paragraph, Table, TableCell, TableLayoutType, TableRow, TextRun, VerticalMergeType, WidthType } from "docx";
import ExcelJS from "exceljs";
import { neutralise } from "../export/columns.js";
import type { SelfEvalForm } from "./form.js";

const HEAD = ["一级指标", "二级指标", "三级指标", "年度指标值", "全年实际值", "分值", "得分", "未完成原因及改进措施"];
export const SELFEVAL_TITLE = "项目支出绩效自评表";

const pts = (x: number) => x.toFixed(2).replace(/\.00$/, "");

/** The form's lines as a grid of text (what both renderings show), for tests and the DOCX. */
export function formGrid(f: SelfEvalForm): { title: string; subtitle: string; meta: [string, string][]; budget: string[][]; indicators: string[][]; total: string[] } {
  return {
    title: SELFEVAL_TITLE,
    subtitle: `（${f.year} 年度）`,
    meta: [
      ["项目名称", f.project],
      ["主管部门", f.department],
      ["实施单位", f.department],
      ["地区", `${f.region.parentName ? `${f.region.parentName} ` : ""}${f.region.name}（${f.region.code}）`],
    ],
    budget: [
      ["项目资金（元）", "全年预算数", "全年执行数", "分值", "执行率", "得分", "说明"],
      ["年度资金总额", f.budget.planned ?? "—", f.budget.executed ?? "—", pts(f.budget.points), f.budget.rate === null ? "—" : `${(f.budget.rate * 100).toFixed(2)}%`, pts(f.budget.score), f.budget.note],
    ],
    indicators: f.rows.map((r) => [`${r.level1}（${pts(f.level1Points[r.level1] ?? 0)}分）`, r.level2, r.name, r.target, r.actual, pts(r.points), pts(r.score), r.note]),
    total: ["总分", "", "", "", "", "100", pts(f.total), `自评等级：${f.grade}`],
  };
}

const THIN: Partial<ExcelJS.Borders> = {
  top: { style: "thin" },
  bottom: { style: "thin" },
  left: { style: "thin" },
  right: { style: "thin" },
};

export async function selfEvalXlsx(f: SelfEvalForm): Promise<Uint8Array> {
  const g = formGrid(f);
  const wb = new ExcelJS.Workbook();
  const created = new Date(Date.UTC(2000, 0, 1));
  wb.creator = "Jiuzhu 救助";
  wb.created = created;
  wb.modified = created;
  const ws = wb.addWorksheet(`自评表 ${f.region.code}`, {
    pageSetup: { paperSize: 9, orientation: "portrait", fitToPage: true, fitToWidth: 1, fitToHeight: 0, horizontalCentered: true, margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 } },
    headerFooter: { oddFooter: "&C第 &P 页，共 &N 页" },
  });
  ws.columns = [{ width: 12 }, { width: 12 }, { width: 26 }, { width: 12 }, { width: 13 }, { width: 7 }, { width: 7 }, { width: 34 }];
  const put = (r: number, c: number, v: string, o: { bold?: boolean; center?: boolean; size?: number } = {}) => {
    const cell = ws.getRow(r).getCell(c);
    cell.value = neutralise(v);
    cell.font = { name: "宋体", size: o.size ?? 10, bold: o.bold };
    cell.alignment = { wrapText: true, vertical: "middle", horizontal: o.center ? "center" : "left" };
    return cell;
  };
  const box = (r1: number, r2: number) => {
    for (let r = r1; r <= r2; r++) for (let c = 1; c <= 8; c++) ws.getRow(r).getCell(c).border = THIN;
  };
  put(1, 1, g.title, { bold: true, center: true, size: 16 });
  ws.mergeCells(1, 1, 1, 8);
  ws.getRow(1).height = 28;
  put(2, 1, g.subtitle, { center: true, size: 11 });
  ws.mergeCells(2, 1, 2, 8);
  let r = 3;
  for (const [k, v] of g.meta) {
    put(r, 1, k, { bold: true, center: true });
    ws.mergeCells(r, 1, r, 2);
    put(r, 3, v);
    ws.mergeCells(r, 3, r, 8);
    r++;
  }
  // Budget: 项目资金 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 | 说明
  for (const line of g.budget) {
    const header = line === g.budget[0];
    put(r, 1, line[0]!, { bold: header, center: true });
    ws.mergeCells(r, 1, r, 2);
    put(r, 3, line[1]!, { bold: header, center: true });
    put(r, 4, line[2]!, { bold: header, center: true });
    put(r, 5, line[4]!, { bold: header, center: true });
    put(r, 6, line[3]!, { bold: header, center: true });
    put(r, 7, line[5]!, { bold: header, center: true });
    put(r, 8, line[6]!, { bold: header });
    ws.getRow(r).height = Math.max(18, 13.5 * Math.ceil([...line[6]!].length / 16));
    r++;
  }
  put(r, 1, "年度总体目标", { bold: true, center: true });
  ws.mergeCells(r, 1, r, 2);
  put(r, 3, "按规定及时足额发放困难群众救助资金，做到应保尽保、应救尽救，保障标准不低于指导标准，资金使用规范安全，困难群众满意。");
  ws.mergeCells(r, 3, r, 8);
  ws.getRow(r).height = 30;
  r++;
  box(3, r - 1);
  const headerRow = r;
  HEAD.forEach((h, i) => put(r, i + 1, h, { bold: true, center: true }));
  ws.getRow(r).getCell(1).fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFDDEBF7" } };
  for (let c = 1; c <= 8; c++) ws.getRow(r).getCell(c).fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFDDEBF7" } };
  r++;
  const first = r;
  // Row heights by the longest wrapped text (LibreOffice keeps what the file says).
  const widthOf = (c: number) => (ws.getColumn(c).width ?? 10) - 1;
  const linesOf = (v: string, c: number) => Math.ceil([...v].reduce((a, ch) => a + (ch.charCodeAt(0) > 0xff ? 2 : 1), 0) / widthOf(c)) || 1;
  g.indicators.forEach((line) => {
    line.forEach((v, i) => put(r, i + 1, v, { center: i !== 2 && i !== 7 }));
    ws.getRow(r).height = Math.max(18, 13.5 * Math.max(...line.map((v, i) => (i < 2 ? 1 : linesOf(v, i + 1)))));
    r++;
  });
  // Merge equal 一级 / 二级 cells down the column, like the paper form.
  for (const col of [1, 2]) {
    let start = first;
    for (let k = first + 1; k <= r; k++) {
      const same = k < r && ws.getRow(k).getCell(col).value === ws.getRow(start).getCell(col).value && (col === 1 || ws.getRow(k).getCell(1).value === ws.getRow(start).getCell(1).value);
      if (!same) {
        if (k - 1 > start) ws.mergeCells(start, col, k - 1, col);
        start = k;
      }
    }
  }
  g.total.forEach((v, i) => put(r, i + 1, v, { bold: true, center: i !== 7 }));
  ws.mergeCells(r, 1, r, 5);
  r++;
  box(headerRow, r - 1);
  r++;
  for (const line of f.rules) {
    put(r, 1, line, { size: 9 });
    ws.mergeCells(r, 1, r, 8);
    ws.getRow(r).height = Math.max(15, Math.ceil([...line].length / 48) * 13);
    r++;
  }
  r++;
  put(r, 1, "填报人：");
  put(r, 3, "联系电话：");
  put(r, 5, "单位负责人：");
  put(r, 8, "填报日期：    年  月  日");
  ws.pageSetup.printTitlesRow = `${headerRow}:${headerRow}`;
  ws.views = [{ state: "frozen", ySplit: headerRow }];
  const buf = await wb.xlsx.writeBuffer();
  return new Uint8Array(buf as ArrayBuffer);
}

const SONG = "宋体";
const text = (t: string, o: { bold?: boolean; size?: number } = {}) => new TextRun({ text: t, font: SONG, size: o.size ?? 18, bold: o.bold });
const para = (t: string, o: { bold?: boolean; size?: number; center?: boolean } = {}) =>
  new Paragraph({ alignment: o.center ? AlignmentType.CENTER : AlignmentType.LEFT, children: [text(t, o)] });
const cell = (t: string, o: { bold?: boolean; center?: boolean; span?: number; merge?: "restart" | "continue"; width?: number } = {}) =>
  new TableCell({
    children: [para(t, { bold: o.bold, center: o.center })],
    columnSpan: o.span,
    verticalMerge: o.merge === "restart" ? VerticalMergeType.RESTART : o.merge === "continue" ? VerticalMergeType.CONTINUE : undefined,
    width: o.width ? { size: o.width, type: WidthType.DXA } : undefined,
  });

/** Column widths in twips: A4 (11906) less the margins (2 × 900). */
const WIDTHS = [1100, 1150, 2250, 1050, 1150, 650, 700, 2056];
const FULL = WIDTHS.reduce((a, b) => a + b, 0);

export async function selfEvalDocx(f: SelfEvalForm): Promise<Uint8Array> {
  const g = formGrid(f);
  const rows: TableRow[] = [];
  for (const [k, v] of g.meta) rows.push(new TableRow({ children: [cell(k, { bold: true, center: true, span: 2 }), cell(v, { span: 6 })] }));
  for (const line of g.budget) {
    const h = line === g.budget[0];
    rows.push(
      new TableRow({
        children: [cell(line[0]!, { bold: h, center: true, span: 2 }), cell(line[1]!, { bold: h, center: true }), cell(line[2]!, { bold: h, center: true }), cell(line[4]!, { bold: h, center: true }), cell(line[3]!, { bold: h, center: true }), cell(line[5]!, { bold: h, center: true }), cell(line[6]!, { bold: h })],
      }),
    );
  }
  const meta = new Table({ width: { size: FULL, type: WidthType.DXA }, columnWidths: WIDTHS, layout: TableLayoutType.FIXED, rows });
  const ind: TableRow[] = [new TableRow({ tableHeader: true, children: HEAD.map((h, i) => cell(h, { bold: true, center: true, width: WIDTHS[i] })) })];
  g.indicators.forEach((line, k) => {
    const prev = g.indicators[k - 1];
    const next = g.indicators[k + 1];
    const mergeOf = (col: number): "restart" | "continue" | undefined => {
      const same = (o?: string[]) => !!o && o[col] === line[col] && (col === 0 || o[0] === line[0]);
      return same(prev) ? "continue" : same(next) ? "restart" : undefined;
    };
    ind.push(
      new TableRow({
        cantSplit: true,
        children: line.map((v, i) => {
          const m = i < 2 ? mergeOf(i) : undefined;
          return cell(m === "continue" ? "" : v, { center: i !== 2 && i !== 7, merge: m, width: WIDTHS[i] });
        }),
      }),
    );
  });
  ind.push(new TableRow({ children: [cell(g.total[0]!, { bold: true, center: true, span: 5 }), cell(g.total[5]!, { bold: true, center: true }), cell(g.total[6]!, { bold: true, center: true }), cell(g.total[7]!, { bold: true })] }));
  const table = new Table({ width: { size: FULL, type: WidthType.DXA }, columnWidths: WIDTHS, layout: TableLayoutType.FIXED, rows: ind });
  const doc = new Document({
    creator: "Jiuzhu 救助",
    title: `${g.title} ${f.region.name} ${f.year}`,
    sections: [
      {
        properties: { page: { size: { orientation: PageOrientation.PORTRAIT, width: 11906, height: 16838 }, margin: { top: 1000, bottom: 1000, left: 900, right: 900 } } },
        children: [
          para(g.title, { bold: true, size: 32, center: true }),
          para(g.subtitle, { size: 22, center: true }),
          meta,
          para(""),
          table,
          para(""),
          ...f.rules.map((l) => para(l, { size: 18 })),
          para(""),
          para("填报人：            联系电话：            单位负责人：            填报日期：    年  月  日"),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}
