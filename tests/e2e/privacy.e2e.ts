// No personal data in dist/: no 18-digit resident ID number, no unmasked name in a
// case list; and nothing in a page points outside.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DIST } from "./browser.js";

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const TEXT = /\.(html|js|json|csv|css|txt)$/;
const ID = /(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])/;

describe("dist/ holds no personal data and loads nothing from outside", () => {
  const all = [...files(DIST)];

  it("has no resident ID number", () => {
    const hits = all.filter((f) => TEXT.test(f) && ID.test(readFileSync(f, "utf8")));
    expect(hits).toEqual([]);
  });

  it("masks every name and ID in the case lists", () => {
    const fields = ["applicant", "person", "name", "payee", "proxy", "id_number", "person_id", "head_id", "head_name"];
    const bad: string[] = [];
    for (const f of all.filter((p) => /\/region\/[^/]+\.[0-9a-f]+\.json$/.test(p) || /\/region\/\d+\.json$/.test(p))) {
      const data = JSON.parse(readFileSync(f, "utf8")) as { cases?: { detail: string | null }[] };
      for (const c of data.cases ?? []) {
        const detail = c.detail ? (JSON.parse(c.detail) as Record<string, unknown>) : {};
        for (const k of fields) {
          const v = detail[k];
          if (typeof v !== "string" || v === "") continue;
          if (/\d{6}/.test(v) ? !/\*{4,}/.test(v) : !/^\S\*+$/.test(v)) bad.push(`${f}: ${k}=${v}`);
        }
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("links no stylesheet, script or image from outside", () => {
    const outside = /<(?:link|script|img|iframe|source)[^>]*(?:src|href)="https?:\/\//;
    const hits = all.filter((f) => f.endsWith(".html") && outside.test(readFileSync(f, "utf8")));
    expect(hits).toEqual([]);
  });
});
