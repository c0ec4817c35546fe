// The site build (bin/site.ts) on a two-page fixture site: no network, a failed build
// keeps the previous site, loader outputs reused while the data version holds and
// recomputed when it changes.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSite } from "../../bin/site.js";
import { Warehouse } from "../../loaders/db.js";

// Inside the repository, so the fixture resolves Framework from our node_modules.
const work = mkdtempSync(resolve("tests/fixtures/.site-build-"));
const input = join(work, "input.txt");
const runs = join(work, "runs.log");
const db = join(work, "warehouse.duckdb");
const out = join(work, "dist");

const runCount = () => (existsSync(runs) ? readFileSync(runs, "utf8").split("\n").filter(Boolean).length : 0);
const build = (options: { seed?: boolean } = {}) =>
  buildSite({ db, projectRoot: work, config: "observablehq.config.js", root: "src", out, ...options });
const builtValue = (): string => {
  const dir = join(out, "_file", "data");
  const file = readdirSync(dir).find((f) => f.startsWith("value.") && f.endsWith(".json"));
  return (JSON.parse(readFileSync(join(dir, file!), "utf8")) as { value: string }).value;
};
async function deliver(id: number): Promise<void> {
  const wh = await Warehouse.open(db);
  try {
    await wh.run("CREATE TABLE IF NOT EXISTS meta_delivery (delivery_id INTEGER, content_hash VARCHAR, status VARCHAR, superseded_by INTEGER, rows_loaded BIGINT, rows_rejected BIGINT)");
    await wh.run("INSERT INTO meta_delivery VALUES (?, ?, 'current', NULL, 10, 0)", [id, `hash-${id}`]);
  } finally {
    wh.close();
  }
}

beforeAll(async () => {
  cpSync(resolve("tests/fixtures/site"), work, { recursive: true });
  process.env.SITE_FIXTURE_INPUT = input;
  process.env.SITE_FIXTURE_RUNS = runs;
  writeFileSync(input, "一");
  await deliver(1);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("site build", () => {
  it("fails, naming the URL, when Framework would ask the registry (the guard works)", async () => {
    await expect(build({ seed: false })).rejects.toThrow(/site build failed.*unchanged/);
    expect(existsSync(out)).toBe(false);
  });

  it("builds with every npm version resolved locally, links ending in .html", async () => {
    await build();
    expect(builtValue()).toBe("一");
    // once, by the build's own pass over the loaders; Framework then finds the output fresh
    expect(runCount()).toBe(1);
    expect(readFileSync(join(work, "src", ".observablehq", "cache", "data", "value.json"), "utf8")).toContain("一");
    const index = readFileSync(join(out, "index.html"), "utf8");
    expect(index).toContain('href="./second.html"');
    expect(index).toContain('<html lang="zh-CN"');
    expect(readdirSync(work).filter((f) => f.includes(".building-") || f.includes(".old-"))).toEqual([]);
  });

  it("reuses loader outputs while the data version holds", async () => {
    const before = runCount();
    writeFileSync(input, "二"); // not a warehouse change: the version, and so the output, stay
    const result = await build();
    expect(result.dataChanged).toBe(false);
    expect(runCount()).toBe(before);
    expect(builtValue()).toBe("一");
  });

  it("recomputes loader outputs when the warehouse changed: never stale", async () => {
    const before = runCount();
    await deliver(2);
    const result = await build();
    expect(result.dataChanged).toBe(true);
    expect(runCount()).toBe(before + 1);
    expect(builtValue()).toBe("二");
  });

  it("keeps the previous site when a build fails", async () => {
    const previous = readFileSync(join(out, "index.html"), "utf8");
    writeFileSync(input, "fail");
    await deliver(3);
    // the loader runs before Framework (filling its cache) and is named
    await expect(build()).rejects.toThrow(/site build failed: a data loader failed \(src\/data\/value\.json\.js exited 1\)/);
    expect(readFileSync(join(out, "index.html"), "utf8")).toBe(previous);
    expect(builtValue()).toBe("二");
    expect(readdirSync(work).filter((f) => f.includes(".building-"))).toEqual([]);
  });
});
