// The bulletin as HTML: one fragment that the site's page shows and `jiuzhu report
// bulletin --out FILE.html` wraps into a standalone document, so the web page, its print
// and the HTML export are the same text as the DOCX (both render compose.ts's output).
import type { Bulletin, TableBlock } from "./compose.js";
import { FONT_FALLBACKS, FONTS } from "./docx.js";

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]!);

const family = (name: string, generic: string) => [name, ...FONT_FALLBACKS[name]!].map((f) => `"${f}"`).join(", ") + `, ${generic}`;

/** The bulletin's stylesheet: screen (fits 390 px: tables scroll in their own box) and print (A4, GB/T 9704 margins, page numbers). */
export const BULLETIN_CSS = `
.bulletin { --bt-title: ${family(FONTS.title, "serif")}; --bt-body: ${family(FONTS.body, "serif")}; --bt-heading: ${family(FONTS.heading, "sans-serif")};
  max-width: 760px; margin: 0 auto; font-family: var(--bt-body); position: relative; overflow-wrap: anywhere; }
.bulletin .masthead { text-align: center; }
.bulletin .masthead .issuer { color: #e60012; font-family: var(--bt-title); font-size: clamp(1.4rem, 7vw, 2.4rem); letter-spacing: 0.1em; line-height: 1.3; }
.bulletin .masthead .doc-number { margin: 0.8rem 0 0.4rem; }
.bulletin .masthead .rule { border-bottom: 3px solid #e60012; margin: 0 0 1.5rem; }
.bulletin h1.bulletin-title { text-align: center; font-family: var(--bt-title); font-weight: normal; font-size: 1.6rem; line-height: 1.5; max-width: none; }
.bulletin h2 { font-family: var(--bt-heading); font-weight: normal; font-size: 1.1rem; margin: 1rem 0 0.2rem; text-indent: 2em; }
.bulletin p { max-width: none; }
.bulletin p.para { text-indent: 2em; line-height: 1.9; text-align: justify; margin: 0.2rem 0; }
.bulletin p.addressee { margin: 0.5rem 0; }
.bulletin .attachments { margin-top: 1.5rem; }
.bulletin .attachments p { margin: 0; text-indent: 2em; }
.bulletin .attachments p + p { padding-left: 3em; }
.bulletin .signature, .bulletin .date { text-align: right; margin: 0; }
.bulletin .signature { margin-top: 2.5rem; }
.bulletin .draft-mark { color: #c00; }
.bulletin .appendix h2 { text-indent: 0; }
.bulletin .appendix h3 { text-align: center; font-family: var(--bt-title); font-weight: normal; font-size: 1.3rem; }
.bulletin .table-scroll { max-width: 100%; overflow-x: auto; }
.bulletin table.bt { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
.bulletin table.bt th, .bulletin table.bt td { border: 1px solid #999; padding: 0.2rem 0.4rem; white-space: nowrap; }
.bulletin table.bt th { font-family: var(--bt-heading); font-weight: normal; text-align: center; }
.bulletin table.bt td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bulletin .note { font-size: 0.85rem; }
.bulletin.draft::before { content: "草稿"; position: fixed; top: 40%; left: 50%; transform: translate(-50%, -50%) rotate(-30deg);
  font-family: var(--bt-heading); font-size: 8rem; color: rgba(160, 160, 160, 0.25); pointer-events: none; z-index: 10; white-space: nowrap; }
@page { size: A4; margin: 37mm 26mm 35mm 28mm; @bottom-center { content: "— " counter(page) " —"; font-family: "宋体", "SimSun", "Noto Serif CJK SC", serif; font-size: 14pt; } }
@media print {
  .bulletin { max-width: none; font-size: 16pt; }
  .bulletin a { color: inherit; text-decoration: none; }
  .bulletin h1.bulletin-title { font-size: 22pt; }
  .bulletin h2 { font-size: 16pt; break-after: avoid; page-break-after: avoid; }
  .bulletin p.para { line-height: 28pt; }
  .bulletin .appendix { break-before: page; page-break-before: always; }
  .bulletin .table-scroll { overflow: visible; }
  .bulletin table.bt { font-size: 10.5pt; }
  .bulletin table.bt thead { display: table-header-group; }
  .bulletin table.bt tr { break-inside: avoid; page-break-inside: avoid; }
}
`;

function table(t: TableBlock, cls: string, link?: (row: number, col: number, text: string) => string): string {
  const head = `<thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead>`;
  const body = t.rows
    .map((r, i) => `<tr>${r.map((c, j) => `<td${t.numeric[j] ? ' class="num"' : ""}>${link ? link(i, j, c) : esc(c)}</td>`).join("")}</tr>`)
    .join("");
  return `<div class="table-scroll"><table class="bt ${cls}">${head}<tbody>${body}</tbody></table></div>${t.notes.map((n) => `<p class="note">注：${esc(n)}</p>`).join("")}`;
}

/** The bulletin as an `<article class="bulletin">` fragment; `regionHref` links county names in the ranking. */
export function bulletinFragment(b: Bulletin, opts: { regionHref?: (code: string) => string } = {}): string {
  const p = b.particulars;
  const rankingLink = opts.regionHref
    ? (row: number, col: number, text: string) => (col === 2 ? `<a href="${esc(opts.regionHref!(b.ranking.codes[row]!))}">${esc(text)}</a>` : esc(text))
    : undefined;
  return `<article class="bulletin${p.draft ? " draft" : ""}" data-window="${esc(b.window)}">
<header class="masthead"><div class="issuer">${esc(p.issuer)}文件</div>
<p class="doc-number">${p.docNumber ? esc(p.docNumber) : '<span class="draft-mark">（草稿：文号未定）</span>'}</p><div class="rule"></div></header>
<h1 class="bulletin-title">${esc(b.title)}</h1>
<p class="addressee">${esc(p.addressee)}</p>
<p class="para preamble">${esc(b.preamble)}</p>
${b.sections.map((s) => `<section><h2>${esc(s.heading)}</h2>${s.paragraphs.map((x) => `<p class="para">${esc(x)}</p>`).join("")}</section>`).join("\n")}
<div class="attachments">${b.attachments.map((a, i) => `<p>${i === 0 ? "附件：" : ""}${i + 1}. ${esc(a)}</p>`).join("")}</div>
<p class="signature">${esc(p.signature)}</p>
<p class="date">${p.dateText ? esc(p.dateText) : '<span class="draft-mark">（草稿：日期未定）</span>'}</p>
${p.copyTo ? `<p class="copy-to">抄送：${esc(p.copyTo)}</p>` : ""}
<section class="appendix headline"><h2>附件1</h2><h3>${esc(b.headline.title)}</h3>${table(b.headline, "headline-table")}</section>
<section class="appendix ranking"><h2>附件2</h2><h3>${esc(b.ranking.title)}</h3>${table(b.ranking, "ranking-table", rankingLink)}</section>
</article>`;
}

/** A standalone HTML document of the bulletin (prints like the DOCX). */
export function bulletinHtml(b: Bulletin): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(b.title)}</title><style>body { margin: 1rem; } ${BULLETIN_CSS}</style></head>
<body>${bulletinFragment(b)}</body></html>
`;
}
