// Progress people can read, on stderr: on a terminal a bar (files, rows, rows/s,
// time left), redrawn in place; when piped (the pipeline, CI logs) one plain
// line every few seconds, and a line for each file that needs attention
// (refused, rows rejected, warnings). Nothing when progress is off. The demo
// generator uses the same meter.
import cliProgress from "cli-progress";
import type { FileResult } from "./ingest.js";

export interface Progress {
  /** Files to read and their total size in bytes (the estimate of the time left goes by bytes). */
  start(files: number, bytes?: number): void;
  fileStart(name: string): void;
  /** A file read as far as JavaScript reads it (its bytes count toward the estimate; DuckDB loads it with its batch). */
  fileRead(bytes: number): void;
  rows(n: number): void;
  fileDone(result: FileResult, bytes?: number): void;
  log(message: string): void;
  stop(): void;
}

const silent: Progress = { start() {}, fileStart() {}, fileRead() {}, rows() {}, fileDone() {}, log() {}, stop() {} };

/** One line describing a file's outcome (used by the plain log and the CLI); control characters of names escaped. */
export function describeResult(r: FileResult): string {
  const file = printable(r.file);
  if (r.status === "refused") return `${file}: refused: ${printable(r.reason ?? "")}`;
  if (r.status === "unchanged") return `${file}: unchanged: ${printable(r.reason ?? "")}`;
  const where = [r.type, r.county ?? "*", r.period ?? "-"].join(" ");
  const sup = r.superseded.length ? `, supersedes ${r.superseded.join(", ")}` : "";
  const rate = r.seconds > 0 && r.rowsRead > 0 ? `, ${Math.round(r.rowsRead / r.seconds).toLocaleString("en")} rows/s` : "";
  const warn = r.warnings.length ? `, ${r.warnings.length} warning(s)` : "";
  return `${file}: loaded as delivery ${r.deliveryId} (${where}): ${r.rowsRead} read, ${r.rowsLoaded} loaded, ${r.rowsRejected} rejected${sup}${warn}${rate}`;
}

/** Text with control characters (newlines, escapes) shown as \n, \u001b…, so a file name cannot forge a line. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : c === "\r" ? "\\r" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/** `1 min 5 s`, `42 s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const PLAIN_EVERY_MS = Number(process.env.JIUZHU_PROGRESS_EVERY_MS ?? 5000);

/**
 * A meter of work done out of a total (bytes, counties): a bar on a terminal,
 * a plain line every few seconds otherwise. `line` words the state.
 */
export interface Meter {
  update(done: number, words: string): void;
  log(message: string): void;
  stop(): void;
}

export function createMeter(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Meter {
  const started = performance.now();
  const eta = (done: number) => {
    const elapsed = (performance.now() - started) / 1000;
    return done > 0 && total > 0 ? formatDuration((elapsed * (total - done)) / done) : "?";
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: `${label} {bar} {percentage}% | {words} | {left} left`, barsize: 24, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0, { words: "", left: "?" });
    let last = 0;
    return {
      update(done, words) {
        const now = performance.now();
        if (now - last < 150 && done < total) return;
        last = now;
        bar.update(Math.min(done, Math.max(total, 1)), { words, left: eta(done) });
      },
      log(m) {
        stream.write(`\r\x1b[2K${m}\n`);
      },
      stop() {
        bar.stop();
      },
    };
  }
  let last = performance.now();
  return {
    update(done, words) {
      const now = performance.now();
      if (now - last < PLAIN_EVERY_MS) return;
      last = now;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
      stream.write(`${label}: ${pct}% | ${words} | ${eta(done)} left\n`);
    },
    log(m) {
      stream.write(`${m}\n`);
    },
    stop() {},
  };
}

export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr, fileLines = true): Progress {
  if (!enabled) return silent;
  let meter: Meter | null = null;
  let files = 0;
  let done = 0;
  let bytesDone = 0;
  let totalBytes = 0;
  let rows = 0;
  let started = 0;
  const words = () => {
    const s = Math.max(0.001, (performance.now() - started) / 1000);
    return `${done}/${files} files | ${rows.toLocaleString("en")} rows | ${Math.round(rows / s).toLocaleString("en")} rows/s`;
  };
  const at = () => (totalBytes > 0 ? bytesDone : done);
  return {
    start(n, bytes) {
      files = n;
      totalBytes = bytes ?? 0;
      started = performance.now();
      meter = createMeter("ingest", totalBytes > 0 ? totalBytes : n, stream);
    },
    fileStart() {
      meter?.update(at(), words());
    },
    rows(n) {
      rows += n;
      meter?.update(at(), words());
    },
    fileRead(bytes) {
      bytesDone += bytes;
      meter?.update(at(), words());
    },
    fileDone(r, bytes) {
      done++;
      bytesDone += bytes ?? 0;
      // a line for each file that needs attention; clean files only move the meter
      if (fileLines && (r.status === "refused" || r.rowsRejected > 0 || r.warnings.length > 0)) meter?.log(describeResult(r));
      meter?.update(at(), words());
    },
    log(m) {
      meter ? meter.log(m) : stream.write(`${m}\n`);
    },
    stop() {
      meter?.stop();
    },
  };
}
