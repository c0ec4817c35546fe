// Reading a configuration file from disk (node only); validation lives in config.ts.
import { readFileSync } from "node:fs";
import { ConfigError, DEFAULT_SCORECARD, parseScorecardConfig, type ScorecardConfig } from "./config.js";

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new ConfigError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The scorecard configuration in `path`, or the default. */
export function loadScorecardConfig(path?: string): ScorecardConfig {
  if (!path) return DEFAULT_SCORECARD;
  return parseScorecardConfig(readJsonFile(path, "scorecard configuration"), `scorecard configuration ${path}`);
}
