// The implementation of `jiuzhu report bulletin` (loaded lazily by cli.ts).
import { existsSync, writeFileSync } from "node:fs";
import { extname } from "node:path";
import { withWarehouse } from "../../loaders/db.js";
import { nearestWindows, usageError, windowArg } from "../indicators/commands.js";
import { buildBulletin, warehouseQuery } from "./build.js";
import type { BulletinOptions } from "./cli.js";
import { loadBulletinConfig } from "./config.js";
import { bulletinDocx } from "./docx.js";
import { bulletinHtml } from "./html.js";

export async function runBulletinReport(opts: BulletinOptions): Promise<void> {
  const window = windowArg(opts.window);
  const ext = extname(opts.out).toLowerCase();
  if (ext !== ".docx" && ext !== ".html") throw new Error(`--out ${opts.out}: the file must end in .docx or .html`);
  if (opts.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new Error(`--date ${opts.date}: give the date as YYYY-MM-DD`);
  if (!existsSync(opts.db)) throw new Error(`warehouse ${opts.db} does not exist: give --db the file \`jiuzhu ingest\` created`);
  const config = loadBulletinConfig(opts.config);
  const b = await withWarehouse(
    opts.db,
    async (wh) => {
      // a window without figures is a mistake on the command line (exit 2), naming the nearest ones
      const available = (await wh.query<{ w: string }>('SELECT DISTINCT "window" AS w FROM mart_indicator').catch(() => [])).map((r) => r.w);
      if (!available.includes(window)) {
        usageError(
          available.length
            ? `no figures for the window ${window}; nearest: ${nearestWindows(window, available).join(", ")}`
            : `the warehouse holds no indicator figures yet; run jiuzhu indicators --window ${window} first`,
        );
      }
      return buildBulletin(warehouseQuery(wh), window, config, {
        docNumber: opts.docNumber,
        date: opts.date,
        issuer: opts.issuer,
        addressee: opts.addressee,
        signature: opts.signature,
        copyTo: opts.copyTo,
      });
    },
    { readOnly: true },
  );
  if (ext === ".docx") writeFileSync(opts.out, new Uint8Array(await bulletinDocx(b)));
  else writeFileSync(opts.out, bulletinHtml(b));
  process.stderr.write(`written ${opts.out}: ${b.title}${b.particulars.draft ? "（草稿：文号或日期未定）" : `，${b.particulars.docNumber}`}\n`);
}
