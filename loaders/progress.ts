// Ingest progress on stderr: a bar on a terminal (files, rows, rows/s), plain
// log lines otherwise (one per file), nothing when progress is off.
import cliProgress from "cli-progress";
import type { FileResult } from "./ingest.js";

export interface Progress {
  start(files: number): void;
  fileStart(name: string): void;
  rows(n: number): void;
  fileDone(result: FileResult): void;
  log(message: string): void;
  stop(): void;
}

const silent: Progress = { start() {}, fileStart() {}, rows() {}, fileDone() {}, log() {}, stop() {} };

/** One line describing a file's outcome (used by the plain log and the CLI). */
export function describeResult(r: FileResult): string {
  if (r.status === "refused") return `${r.file}: refused: ${r.reason}`;
  if (r.status === "unchanged") return `${r.file}: unchanged: ${r.reason}`;
  const where = [r.type, r.county ?? "*", r.period ?? "-"].join(" ");
  const sup = r.superseded.length ? `, supersedes ${r.superseded.join(", ")}` : "";
  const rate = r.seconds > 0 ? `, ${Math.round(r.rowsRead / r.seconds).toLocaleString("en")} rows/s` : "";
  const warn = r.warnings.length ? `, ${r.warnings.length} warning(s)` : "";
  return `${r.file}: loaded as delivery ${r.deliveryId} (${where}): ${r.rowsRead} read, ${r.rowsLoaded} loaded, ${r.rowsRejected} rejected${sup}${warn}${rate}`;
}

export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled) return silent;
  if (!stream.isTTY) {
    return {
      ...silent,
      fileDone: (r) => stream.write(`${describeResult(r)}\n`),
      log: (m) => stream.write(`${m}\n`),
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: "ingest {bar} {value}/{total} files | {rows} rows | {rate} rows/s | {file}",
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let rows = 0;
  let started = 0;
  let done = 0;
  let file = "";
  let lastDraw = 0;
  const payload = () => ({
    rows: rows.toLocaleString("en"),
    rate: Math.round(rows / Math.max(0.001, (performance.now() - started) / 1000)).toLocaleString("en"),
    file,
  });
  return {
    start(total) {
      started = performance.now();
      bar.start(total, 0, payload());
    },
    fileStart(name) {
      file = name;
      bar.update(done, payload());
    },
    rows(n) {
      rows += n;
      const now = performance.now();
      if (now - lastDraw > 200) {
        lastDraw = now;
        bar.update(done, payload());
      }
    },
    fileDone() {
      done++;
      bar.update(done, payload());
    },
    log(m) {
      stream.write(`${m}\n`);
    },
    stop() {
      bar.stop();
    },
  };
}
