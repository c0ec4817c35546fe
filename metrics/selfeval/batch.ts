// The site's self-evaluation downloads, all at once: `tsx metrics/selfeval/batch.ts OUT_DIR`
// writes <code>.xlsx and <code>.docx for every county and city of the marts, for the latest
// complete year (or, before any December is in, the latest year so far) — and, for a region
// without figures that year, a one-line file saying so, so that every region page has its
// download (src/selfeval/_cache.js runs this once per warehouse and code version).
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Document, Packer, Paragraph } from "docx";
import { DEFAULT_DB, Warehouse } from "../../loaders/db.js";
import { toXlsx } from "../export/xlsx.js";
import { tableExists } from "../scorecard/store.js";
import { DEFAULT_SELFEVAL } from "./config.js";
import { latestCompleteYear, regionsOfYear } from "./form.js";
import { writeForms } from "./run.js";

const out = process.argv[2];
if (!out) throw new Error("usage: batch.ts OUT_DIR");
mkdirSync(out, { recursive: true });
const wh = await Warehouse.open(process.env.JIUZHU_DB ?? DEFAULT_DB, { readOnly: true });
try {
  const hasMart = await tableExists(wh, "mart_indicator");
  const latestYear = hasMart
    ? ((await wh.query<{ y: string | null }>(`SELECT max("window") AS y FROM mart_indicator WHERE length("window") = 4`))[0]?.y ?? null)
    : null;
  const year = (await latestCompleteYear(wh)) ?? (latestYear === null ? null : Number(latestYear));
  const all = hasMart
    ? (await wh.query<{ code: string }>(`SELECT DISTINCT region_code AS code FROM mart_indicator WHERE level IN ('county', 'city', 'province') ORDER BY 1`)).map((r) => r.code)
    : [];
  const withFigures = year === null ? [] : await regionsOfYear(wh, year, ["county", "city"]);
  if (year !== null) await writeForms(wh, withFigures, year, out, DEFAULT_SELFEVAL, "both", (code) => code);
  const noFigures = `暂无${year ?? ""}年度指标数据，无法生成项目支出绩效自评表。`;
  for (const code of all.filter((c) => !withFigures.includes(c))) {
    // the province page names its file too (one page template); the form is filed by counties and cities
    const note = code.length === 2 ? "项目支出绩效自评表由各县级、地市级单位填报，请在各地区页面下载。" : noFigures;
    writeFileSync(join(out, `${code}.xlsx`), toXlsx({ sheets: [{ name: "自评表", columns: [{ key: "t", header: "项目支出绩效自评表" }], rows: [{ t: note }] }], audit: [] }));
    writeFileSync(join(out, `${code}.docx`), new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph(note)] }] }))));
  }
  process.stderr.write(`jiuzhu self-evaluation: ${withFigures.length} forms of ${year ?? "no year"}\n`);
} finally {
  wh.close();
}
