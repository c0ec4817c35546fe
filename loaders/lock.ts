// A lock file beside the warehouse (`<db>.lock`, created exclusively, holding
// the pid) so that two ingests serialise: the second waits, and a lock left by
// a dead process is taken over.
import { openSync, closeSync, writeSync, readFileSync, unlinkSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";

export interface LockOptions {
  /** How long to wait for another ingest, in ms (default 10 minutes, `JIUZHU_LOCK_TIMEOUT_MS`). */
  timeoutMs?: number;
  pollMs?: number;
  /** Called once when the lock is held by another live process and we start waiting. */
  onWait?: (holderPid: number, since: string) => void;
}

export function lockPathOf(dbPath: string): string {
  return `${dbPath}.lock`;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): number | null {
  try {
    return Number.parseInt(readFileSync(path, "utf8").trim(), 10);
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** When the lock was taken (local time), for the waiting message. */
function since(path: string): string {
  try {
    return statSync(path).mtime.toLocaleString("sv-SE");
  } catch {
    return "?";
  }
}

/** Take the lock (waiting for a live holder); returns the release function. */
export async function acquireLock(dbPath: string, options: LockOptions = {}): Promise<() => void> {
  if (dbPath === ":memory:") return () => {};
  const path = lockPathOf(dbPath);
  mkdirSync(dirname(path), { recursive: true });
  const timeoutMs = options.timeoutMs ?? Number(process.env.JIUZHU_LOCK_TIMEOUT_MS ?? 600_000);
  const pollMs = options.pollMs ?? 100;
  const start = Date.now();
  let waitedFor: number | null = null;
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readHolder(path) === process.pid) {
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(path);
    // an empty or garbage lock (no pid in it) older than a moment is nobody's: taken over like a dead one
    const garbage = holder !== null && Number.isNaN(holder) && ageMs(path) > 2000;
    if (garbage || (holder !== null && !Number.isNaN(holder) && !pidAlive(holder))) {
      // stale: its process is gone; remove it only if it is still that one's
      const again = readHolder(path);
      if (again === holder || (garbage && again !== null && Number.isNaN(again))) {
        try {
          unlinkSync(path);
        } catch {
          /* someone else took it over first */
        }
      }
      continue;
    }
    if (holder !== null && !Number.isNaN(holder) && waitedFor !== holder) {
      waitedFor = holder;
      options.onWait?.(holder, since(path));
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `the warehouse ${dbPath} is locked by another ingest (pid ${holder === null || Number.isNaN(holder) ? "unknown" : holder}, ${path}); gave up after ${Math.round(timeoutMs / 1000)} s`,
      );
    }
    await sleep(pollMs);
  }
}
