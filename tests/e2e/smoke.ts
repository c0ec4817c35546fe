// Open some pages of the built site, print console errors and outside requests, save screenshots:
//   npx tsx tests/e2e/smoke.ts / /scorecard /region/150102
import { screenshot, startSite } from "./browser.js";

const site = await startSite();
try {
  for (const path of process.argv.slice(2)) {
    const t0 = Date.now();
    const visit = await site.open(path);
    await visit.page.waitForTimeout(300);
    const name = `smoke-${path.replace(/[^\w.]+/g, "_").replace(/^_|_$/g, "") || "index"}`;
    await screenshot(visit.page, name);
    process.stdout.write(`${path}: ${Date.now() - t0} ms, ${(visit.bytes() / 1024).toFixed(0)} KB, errors ${JSON.stringify(visit.errors)}, outside ${JSON.stringify(visit.outside)} → ${name}.png\n`);
    await visit.close();
  }
} finally {
  await site.close();
}
