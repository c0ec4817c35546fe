// The pipeline's post-build step gives every page lang="zh-CN" in the file itself.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setDocumentLanguage } from "../../bin/site.js";

describe("setDocumentLanguage", () => {
  it("adds lang to bare <html> tags in nested pages and leaves others alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "jiuzhu-lang-"));
    mkdirSync(join(dir, "region"));
    writeFileSync(join(dir, "index.html"), "<!DOCTYPE html>\n<html>\n<head></head></html>");
    writeFileSync(join(dir, "region", "150102.html"), '<html class="x"><body>新城区</body></html>');
    writeFileSync(join(dir, "en.html"), '<html lang="en"></html>');
    writeFileSync(join(dir, "data.json"), "<html>");
    expect(setDocumentLanguage(dir)).toBe(2);
    expect(readFileSync(join(dir, "index.html"), "utf8")).toContain('<html lang="zh-CN">');
    expect(readFileSync(join(dir, "region", "150102.html"), "utf8")).toContain('<html lang="zh-CN" class="x">');
    expect(readFileSync(join(dir, "en.html"), "utf8")).toBe('<html lang="en"></html>');
    expect(readFileSync(join(dir, "data.json"), "utf8")).toBe("<html>");
    expect(setDocumentLanguage(dir)).toBe(0);
  });
});
