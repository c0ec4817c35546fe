// `jiuzhu` start-up: wall time of `--help` and of a refused argument, against a bare
// `node -e 0` measured in the same run (the floor no CLI on Node can beat). Median of N.
//   node --import tsx tests/bench/cli.bench.ts [--runs 15]
import { spawnSync } from "node:child_process";

const i = process.argv.indexOf("--runs");
const runs = i > 0 ? Number(process.argv[i + 1]) : 15;

function median(args: string[]): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    spawnSync(process.execPath, args, { stdio: "ignore" });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

spawnSync(process.execPath, ["bin/jiuzhu.js", "--help"], { stdio: "ignore" }); // compile once if stale
const floor = median(["-e", "0"]);
const rows: [string, number][] = [
  ["jiuzhu --help", median(["bin/jiuzhu.js", "--help"])],
  ["jiuzhu score --no-such-option", median(["bin/jiuzhu.js", "score", "--no-such-option"])],
  ["jiuzhu ingest --help", median(["bin/jiuzhu.js", "ingest", "--help"])],
  // every layer's refused argument: its heavy modules must load only when it runs
  ...["demo", "ingest", "report", "indicators", "allocate", "pipeline", "serve"].map(
    (c): [string, number] => [`jiuzhu ${c} --no-such-option`, median(["bin/jiuzhu.js", c, "--no-such-option"])],
  ),
];
process.stdout.write(`cli start-up, median of ${runs} (reference: node -e 0 = ${floor.toFixed(0)} ms)\n`);
for (const [name, ms] of rows) process.stdout.write(`  ${name.padEnd(32)} ${ms.toFixed(0).padStart(5)} ms  ${(ms / floor).toFixed(2)}× node\n`);
