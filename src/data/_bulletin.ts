// The site's bulletin (通报) of one window: the document metrics/bulletin builds from the
// marts (the same implementation as `jiuzhu report bulletin`), with its HTML fragment for
// the page and its DOCX for the download. The particulars (文号, date …) come from the
// bulletin configuration ($JIUZHU_BULLETIN_CONFIG, else metrics/bulletin/bulletin.default.json).
import { buildBulletin } from "../../metrics/bulletin/build.js";
import type { Bulletin } from "../../metrics/bulletin/compose.js";
import { loadBulletinConfig } from "../../metrics/bulletin/config.js";
import { BULLETIN_CSS, bulletinFragment } from "../../metrics/bulletin/html.js";
import type { Query } from "../../metrics/bulletin/query.js";
import { MART_TABLES, type Marts } from "./_marts.js";

export { bulletinDocx } from "../../metrics/bulletin/docx.js";

export type SiteBulletin = Bulletin & { html: string; css: string };

export async function bulletinData(m: Marts, window: string): Promise<SiteBulletin> {
  const q: Query = (sql, params) => m.rows([...MART_TABLES].filter((t) => sql.includes(t)), sql, params);
  const b = await buildBulletin(q, window, loadBulletinConfig());
  return { ...b, html: bulletinFragment(b, { regionHref: (code) => `../region/${code}.html` }), css: BULLETIN_CSS };
}
