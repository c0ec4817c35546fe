// bin/site.ts pieces that need no Framework build: npm version seeding, cache
// invalidation by data version, the swap of a finished build for dist/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clientNpmNames, invalidateLoaderCache, plainLoaders, replaceDir, seedNpmVersions } from "../../bin/site.js";

const temp = (name: string) => mkdtempSync(join(tmpdir(), `jiuzhu-${name}-`));

describe("seedNpmVersions", () => {
  it("finds the packages Framework's client runtime imports by npm: specifier", () => {
    const names = clientNpmNames();
    expect(names).toContain("react-dom");
    expect(names).toContain("htl");
    expect(names.every((n) => !n.includes("/") || n.startsWith("@"))).toBe(true);
  });

  it("gives each name the installed version, else the pin, and replaces other version folders", () => {
    const src = temp("seed");
    mkdirSync(join(src, ".observablehq/cache/_npm/htl@1.0.0"), { recursive: true });
    const seeded = seedNpmVersions(src, process.cwd(), ["htl", "react-dom", "@observablehq/plot"]);
    const htl = (JSON.parse(readFileSync("node_modules/htl/package.json", "utf8")) as { version: string }).version;
    const plot = (JSON.parse(readFileSync("node_modules/@observablehq/plot/package.json", "utf8")) as { version: string }).version;
    expect(seeded).toEqual([`htl@${htl}`, expect.stringMatching(/^react-dom@\d+\.\d+\.\d+$/), `@observablehq/plot@${plot}`]);
    const npm = join(src, ".observablehq/cache/_npm");
    expect(readdirSync(npm).filter((e) => e.startsWith("htl@"))).toEqual([`htl@${htl}`]);
    expect(existsSync(join(npm, "@observablehq", `plot@${plot}`))).toBe(true);
  });

  it("refuses a name with neither an installed version nor a pin, naming it", () => {
    expect(() => seedNpmVersions(temp("seed"), process.cwd(), ["no-such-package-jiuzhu"])).toThrow(/no-such-package-jiuzhu/);
  });
});

describe("invalidateLoaderCache", () => {
  it("drops loader outputs, keeps the module cache, only when the version changes", () => {
    const src = temp("cache");
    const cache = join(src, ".observablehq/cache");
    for (const d of ["_npm/react@1.0.0", "_node/vega@6.4.0", "data"]) mkdirSync(join(cache, d), { recursive: true });
    writeFileSync(join(cache, "data/overview.json"), "{}");
    expect(invalidateLoaderCache(src, "v1")).toBe(true);
    expect(existsSync(join(cache, "data"))).toBe(false);
    expect(existsSync(join(cache, "_npm/react@1.0.0"))).toBe(true);
    expect(existsSync(join(cache, "_node/vega@6.4.0"))).toBe(true);
    mkdirSync(join(cache, "data"));
    writeFileSync(join(cache, "data/overview.json"), "{}");
    expect(invalidateLoaderCache(src, "v1")).toBe(false);
    expect(existsSync(join(cache, "data/overview.json"))).toBe(true);
    expect(invalidateLoaderCache(src, "v2")).toBe(true);
    expect(existsSync(join(cache, "data/overview.json"))).toBe(false);
  });
});

describe("replaceDir", () => {
  it("puts the new folder in place and removes the old one", () => {
    const root = temp("swap");
    mkdirSync(join(root, "dist"));
    writeFileSync(join(root, "dist/index.html"), "old");
    mkdirSync(join(root, "new"));
    writeFileSync(join(root, "new/index.html"), "new");
    replaceDir(join(root, "new"), join(root, "dist"));
    expect(readFileSync(join(root, "dist/index.html"), "utf8")).toBe("new");
    expect(readdirSync(root)).toEqual(["dist"]);
  });

  it("restores the old folder when the new one cannot be moved in", () => {
    const root = temp("swap");
    mkdirSync(join(root, "dist"));
    writeFileSync(join(root, "dist/index.html"), "old");
    expect(() => replaceDir(join(root, "missing"), join(root, "dist"))).toThrow();
    expect(readFileSync(join(root, "dist/index.html"), "utf8")).toBe("old");
    expect(readdirSync(root)).toEqual(["dist"]);
  });
});

describe("plainLoaders", () => {
  it("lists the loaders that take no parameters, not modules, parameterised loaders or _ files", () => {
    const src = temp("loaders");
    for (const f of ["data/a.json.ts", "data/b.csv.js", "data/_batch.ts", "data/_cached.d.ts", "region/[code].json.js", "components/chart.js", "index.md", "_x/c.json.ts", ".observablehq/cache/d.json.ts"]) {
      mkdirSync(join(src, f, ".."), { recursive: true });
      writeFileSync(join(src, f), "");
    }
    expect(plainLoaders(src).map((p) => p.slice(src.length + 1))).toEqual(["data/a.json.ts", "data/b.csv.js"]);
  });
});
