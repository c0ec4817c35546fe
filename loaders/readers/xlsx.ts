// Streaming XLSX (exceljs WorkbookReader): the sheet named after the extract if
// there is one, else the first sheet; date cells arrive as dates, serial numbers
// as numbers (the date parser knows both).
import ExcelJS from "exceljs";
import type { Cell } from "../contracts/normalise.js";
import { FileRefused, type RowBatch, type Source } from "./source.js";
import { openXlsxFast, Unsupported } from "./xlsx-fast.js";

const BATCH = 4096;

/*
 * exceljs's streaming reader decodes every inflated chunk of the sheet and
 * shared-strings XML with one TextDecoder and no `stream` flag, so a Chinese
 * character split between two chunks turns into U+FFFD (社会化���放). While we
 * read a workbook, decode() without options on a non-fatal UTF-8 decoder runs
 * in streaming mode: the split bytes wait for the next chunk. Complete input
 * decodes exactly as before; the original method is back when the read ends.
 */
const decoderProto = TextDecoder.prototype;
const originalDecode = decoderProto.decode;
let streamingUsers = 0;
function streamingDecode(this: TextDecoder, input?: AllowSharedBufferSource, options?: TextDecodeOptions): string {
  if (options === undefined && input !== undefined && this.encoding === "utf-8" && !this.fatal) {
    return originalDecode.call(this, input, { stream: true });
  }
  return originalDecode.call(this, input, options);
}
function holdSplitCharacters(): () => void {
  if (streamingUsers++ === 0) decoderProto.decode = streamingDecode;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--streamingUsers === 0) decoderProto.decode = originalDecode;
  };
}

/** A cell value of exceljs as a plain cell: rich text, formulas, hyperlinks unwrapped. */
export function xlsxCell(v: unknown): Cell {
  if (v == null) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (v instanceof Date) return v;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text: string }[]).map((r) => r.text).join("");
    if ("result" in o) return xlsxCell(o.result);
    if ("formula" in o || "sharedFormula" in o) return null;
    if ("text" in o) return xlsxCell(o.text);
    if ("error" in o) return String(o.error);
  }
  return String(v);
}

function rowCells(values: unknown): Cell[] {
  const arr = values as unknown[];
  const out: Cell[] = [];
  for (let i = 1; i < arr.length; i++) out.push(xlsxCell(arr[i]));
  return out;
}

const isEmpty = (cells: Cell[]) => cells.every((c) => c == null || (typeof c === "string" && c.trim() === ""));

interface SheetModel {
  name: string;
}

/**
 * Open an XLSX file. `preferredSheets` are names (normalised by the caller's
 * rule: trimmed, case-folded) that select a sheet named after an extract.
 */
export async function openXlsx(
  path: string,
  displayName: string,
  preferredSheet: (sheetName: string) => boolean,
): Promise<Source> {
  if (process.env.JIUZHU_XLSX_READER !== "exceljs") {
    try {
      return await openXlsxFast(path, displayName, preferredSheet);
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
    }
  }
  return openXlsxExceljs(path, displayName, preferredSheet);
}

/** The exceljs streaming reader: the fallback for workbooks the direct reader does not handle. */
export async function openXlsxExceljs(
  path: string,
  displayName: string,
  preferredSheet: (sheetName: string) => boolean,
): Promise<Source> {
  const release = holdSplitCharacters();
  try {
    return await readWorkbook(path, displayName, preferredSheet, release);
  } catch (error) {
    release();
    throw error;
  }
}

async function readWorkbook(
  path: string,
  displayName: string,
  preferredSheet: (sheetName: string) => boolean,
  release: () => void,
): Promise<Source> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: "emit",
    sharedStrings: "cache",
    styles: "cache",
    hyperlinks: "ignore",
    entries: "ignore",
  });
  const sheets = reader[Symbol.asyncIterator]();
  let target: string | null = null;
  let sheetName = "";
  let rowIter: AsyncIterator<ExcelJS.Row> | null = null;
  try {
    for (;;) {
      const next = await sheets.next();
      if (next.done) break;
      const ws = next.value as unknown as ExcelJS.stream.xlsx.WorksheetReader & { name: string };
      if (target === null) {
        const names = (((reader as unknown as { model?: { sheets?: SheetModel[] } }).model?.sheets) ?? []).map((s) => s.name);
        target = names.find((n) => preferredSheet(n)) ?? names[0] ?? ws.name;
      }
      if (ws.name === target) {
        sheetName = ws.name;
        rowIter = ws[Symbol.asyncIterator]();
        break;
      }
    }
  } catch (error) {
    throw new FileRefused(displayName, `unreadable XLSX: ${(error as Error).message}`);
  }
  if (!rowIter) throw new FileRefused(displayName, "no worksheet found");
  const rows = rowIter;

  let header: Cell[] | null = null;
  let headerLine = 0;
  try {
    for (;;) {
      const next = await rows.next();
      if (next.done) break;
      const cells = rowCells(next.value.values);
      if (isEmpty(cells)) continue;
      header = cells;
      headerLine = next.value.number;
      break;
    }
  } catch (error) {
    throw new FileRefused(displayName, `unreadable XLSX: ${(error as Error).message}`);
  }
  if (!header) throw new FileRefused(displayName, `sheet ${sheetName} is empty: no header row`);

  async function* batches(): AsyncGenerator<RowBatch> {
    let lines: number[] = [];
    let out: Cell[][] = [];
    for (;;) {
      let next: IteratorResult<ExcelJS.Row>;
      try {
        next = await rows.next();
      } catch (error) {
        throw new FileRefused(displayName, `unreadable XLSX: ${(error as Error).message}`);
      }
      if (next.done) break;
      lines.push(next.value.number);
      out.push(rowCells(next.value.values));
      if (out.length >= BATCH) {
        yield { lines, rows: out };
        lines = [];
        out = [];
      }
    }
    if (out.length) yield { lines, rows: out };
    release();
  }

  return {
    format: "xlsx",
    encoding: null,
    header: header.map((h) => (h == null ? "" : String(h instanceof Date ? h.toISOString() : h).trim())),
    headerLine,
    sheet: sheetName,
    batches,
    bytesRead: () => 0,
    close: release,
  };
}
