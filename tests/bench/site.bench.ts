// Site benchmark: how soon the overview is interactive (its ranking table on the
// page) and what it transfers, against the methodology page — a light page of the
// same site, served and opened the same way in the same run — as the reference.
// Needs a built site (`npm run build`) and Debian chromium.
//   npx tsx tests/bench/site.bench.ts [--runs 5]
import { measureVisit, startSite } from "../e2e/browser.js";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const site = await startSite();
try {
  const pages = [
    { name: "overview", path: "/", ready: ".county-ranking tbody tr" },
    { name: "methodology (reference)", path: "/methodology", ready: "h1" },
  ];
  for (const p of pages) await measureVisit(site, p.path, p.ready); // warm the server's file cache
  const figures = new Map<string, { ms: number[]; bytes: number }>();
  for (let i = 0; i < runs; i++) {
    for (const p of pages) {
      const { readyMs, bytes } = await measureVisit(site, p.path, p.ready);
      const f = figures.get(p.name) ?? { ms: [], bytes };
      f.ms.push(readyMs);
      figures.set(p.name, f);
    }
  }
  const [overview, reference] = pages.map((p) => figures.get(p.name)!);
  for (const p of pages) {
    const f = figures.get(p.name)!;
    process.stdout.write(`site: ${p.name}: interactive at ${median(f.ms).toFixed(0)} ms (median of ${runs}), ${(f.bytes / 1024).toFixed(0)} KB\n`);
  }
  process.stdout.write(`site: overview ÷ reference = ${(median(overview!.ms) / median(reference!.ms)).toFixed(2)}× time, ${(overview!.bytes / reference!.bytes).toFixed(2)}× bytes\n`);
} finally {
  await site.close();
}
