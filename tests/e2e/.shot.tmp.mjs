import { chromium } from "playwright-core";
const [url, out, w = "1440", actions = ""] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const p = await b.newPage({ viewport: { width: Number(w), height: 900 } });
const errs = [];
p.on("console", (m) => m.type() === "error" && errs.push(m.text()));
p.on("pageerror", (e) => errs.push(String(e)));
await p.goto(url, { waitUntil: "networkidle", timeout: 120000 });
if (actions) { await eval(`(async () => { ${actions} })()`); await p.waitForTimeout(1500); }
const H = Number(process.env.H ?? 1800); await p.setViewportSize({ width: Number(w), height: H }); await p.screenshot({ path: out, fullPage: false });
console.log("errors", errs);
console.log(await p.evaluate(() => document.querySelector("#allocation-error")?.textContent ?? "no error"));
await b.close();
