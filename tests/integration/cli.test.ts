// The CLI contract: every subcommand has --help, errors go to stderr with a non-zero exit.
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildFullProgram, buildProgram } from "../../bin/cli.js";

const SUBCOMMANDS = ["demo", "ingest", "indicators", "cases", "score", "allocate", "report", "pipeline", "serve"];
const NO_WAREHOUSE = ["demo", "serve"];

/** Run the CLI in a child process, asynchronously (synchronous spawns starve vitest's worker RPC on a busy machine). */
function jiuzhu(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile(process.execPath, ["bin/jiuzhu.js", ...args], { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : error ? 1 : 0;
      ok({ status: code, stdout, stderr });
    });
  });
}

describe("jiuzhu CLI", () => {
  it("lists every subcommand in --help", async () => {
    const result = await jiuzhu("--help");
    expect(result.status).toBe(0);
    for (const name of SUBCOMMANDS) expect(result.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, "m"));
  });

  const LEAVES = [
  ...SUBCOMMANDS.filter((name) => name !== "report"),
  ...["loads", "rejects", "freshness", "bulletin", "self-evaluation"].map((leaf) => `report ${leaf}`),
];

  it.each(LEAVES)("%s --help exits 0 and documents --db where it reads the warehouse", async (name) => {
    const result = await jiuzhu(...name.split(" "), "--help");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Usage: jiuzhu ${name}`);
    if (!NO_WAREHOUSE.includes(name)) expect(result.stdout).toContain("--db");
  });

  it("the top-level help, built without loading any layer, names exactly the commands the layers register", async () => {
    const full = (await buildFullProgram()).commands.map((c) => c.name()).sort();
    const summary = (await buildProgram(["node", "jiuzhu", "--help"])).commands.map((c) => c.name()).sort();
    expect(summary).toEqual(full);
  });

  it("reports an unknown subcommand on stderr with a non-zero exit", async () => {
    const result = await jiuzhu("no-such-command");
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command/);
    expect(result.stdout).toBe("");
  });

  it("reports a missing input on stderr with a non-zero exit", async () => {
    const result = await jiuzhu("ingest", "--db", ":memory:", "/no/such/file.csv");
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("/no/such/file.csv");
  });
});
