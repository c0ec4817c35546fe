// The static server maps clean URLs to files and never serves outside its root.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveRequest, serveStatic, type StaticServer } from "../../bin/serve.js";

let root: string;
let server: StaticServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jiuzhu-serve-"));
  mkdirSync(join(root, "region"));
  writeFileSync(join(root, "index.html"), "<h1>总览</h1>");
  writeFileSync(join(root, "scorecard.html"), "<h1>记分卡</h1>");
  writeFileSync(join(root, "region", "150102.html"), "<h1>新城区</h1>");
  writeFileSync(join(tmpdir(), "jiuzhu-secret.txt"), "secret");
  server = await serveStatic(root);
});

afterAll(async () => {
  await server.close();
});

describe("resolveRequest", () => {
  it("maps clean URLs and folders to HTML files", async () => {
    expect(await resolveRequest(root, "/")).toBe(join(root, "index.html"));
    expect(await resolveRequest(root, "/scorecard")).toBe(join(root, "scorecard.html"));
    expect(await resolveRequest(root, "/region/150102?x=1")).toBe(join(root, "region", "150102.html"));
  });

  it("refuses paths that climb out of the root", async () => {
    expect(await resolveRequest(root, "/../jiuzhu-secret.txt")).toBeUndefined();
    expect(await resolveRequest(root, "/%2e%2e/jiuzhu-secret.txt")).toBeUndefined();
  });
});

describe("serveStatic", () => {
  it("serves on 127.0.0.1 with a content type, and 404 for what is missing", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(new URL("scorecard", server.url));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("记分卡");
    expect((await fetch(new URL("nothing-here", server.url))).status).toBe(404);
  });
});
